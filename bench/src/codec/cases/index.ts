/** Every codec case for one input: ours, upstream's, and the floors. */
import type { Instruction } from "@guacstream/codec";
import type { BenchInput } from "../../harness/corpus.ts";
import type { BenchCase, CodecContext } from "./case.ts";
import { floorCases } from "./floors.ts";
import { ourCases } from "./ours.ts";
import { upstreamCases } from "./upstream.ts";

export type { BenchCase, CaseGroup, CaseKind, CodecContext, Outcome } from "./case.ts";
export { REFERENCE_FEEDS } from "./upstream.ts";

/**
 * Whether a case needs the input decoded beforehand (the encoders re-encode it; the stream floor
 * yields it). No other case may see it: 65K instructions kept alive from the decoder's allocation
 * site lead V8 to allocate that site's objects in old space from then on (pretenuring), and the
 * case would pay for old-space GCs that no consumer of a stream sees.
 */
export function needsDecodedInput(caseId: string): boolean {
  return caseId === "encoder-stream" || caseId === "lite-encode" || caseId === "floor-stream-reads";
}

/**
 * The cases for one input, ours first. `instructions` is the input decoded once by our decoder
 * (untimed), which the encoder cases re-encode and the stream floors yield.
 */
export function codecCases(
  input: BenchInput,
  instructions: readonly Instruction[],
  encodedBytes: number,
  ctx: CodecContext,
): BenchCase[] {
  const size = input.bytes.length;
  return [
    ...ourCases(input, instructions, encodedBytes),
    ...upstreamCases(input.chunks, size, instructions, encodedBytes, ctx),
    ...floorCases(input.chunks, size, instructions),
  ];
}
