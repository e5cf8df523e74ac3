/**
 * Whether upstream's parsers read an input as ours does: each parser and feed run once, untimed,
 * and compared with our decoder instruction by instruction.
 */
import { type Instruction, InstructionDecoder } from "@guacstream/codec";
import type { BenchInput } from "../harness/corpus.ts";
import { type CodecContext, message } from "./cases/case.ts";
import { FEEDS, feedUpstream, upstreamParsers } from "./cases/upstream.ts";

/** Our decoder over the input, once and untimed: the reference every parser is checked against. */
export function decodeReference(input: BenchInput): {
  instructions: Instruction[];
  error?: string;
} {
  const instructions: Instruction[] = [];
  const decoder = new InstructionDecoder((i) => instructions.push(i));
  try {
    for (const chunk of input.chunks) decoder.push(chunk);
    decoder.finish();
    return { instructions };
  } catch (error) {
    return { instructions, error: message(error) };
  }
}

/** How an upstream parser's output compares with ours, instruction by instruction. */
export interface Agreement {
  readonly parser: string;
  readonly instructions: number;
  readonly reference: number;
  /** Instructions whose opcode or values differ from ours (same position). */
  readonly differing: number;
  readonly firstDifference?: string;
  readonly error?: string;
}

function show(opcode: string, args: readonly string[]): string {
  const text = JSON.stringify([opcode, ...args]);
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

/** Runs each upstream parser and feed once, untimed, and compares every instruction with ours. */
export function checkAgreement(
  input: BenchInput,
  reference: readonly Instruction[],
  ctx: CodecContext,
): Agreement[] {
  const results: Agreement[] = [];
  for (const [name, Parser] of upstreamParsers(ctx)) {
    for (const feed of FEEDS) {
      let index = 0;
      let differing = 0;
      let firstDifference: string | undefined;
      const error = feedUpstream(Parser, feed, input.chunks, (opcode, args) => {
        const ours = reference[index];
        const same =
          ours !== undefined &&
          ours.opcode === opcode &&
          ours.args.length === args.length &&
          ours.args.every((value, k) => value === args[k]);
        if (!same) {
          differing++;
          firstDifference ??=
            `#${index}: ours ${ours === undefined ? "(none)" : show(ours.opcode, ours.args)}` +
            ` / theirs ${show(opcode, args)}`;
        }
        index++;
      });
      results.push({
        parser: `${name}+${feed}`,
        instructions: index,
        reference: reference.length,
        differing,
        ...(firstDifference === undefined ? {} : { firstDifference }),
        ...(error === undefined ? {} : { error }),
      });
    }
  }
  return results;
}
