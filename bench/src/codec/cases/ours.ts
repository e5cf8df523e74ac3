/**
 * Our cases: the three decoding streams through `pipeThrough`, the coalescing frame stream, the
 * two runtime-free cores called directly, and the encoder stream re-encoding the input.
 */
import {
  type Instruction,
  InstructionBatchDecoderStream,
  InstructionDecoder,
  InstructionDecoderStream,
  InstructionEncoderStream,
  InstructionFramer,
  InstructionFrameStream,
} from "@guacstream/codec";
import { do_not_optimize } from "mitata";
import type { BenchInput } from "../../harness/corpus.ts";
import { type BenchCase, message, type Outcome } from "./case.ts";
import { drainInto, pipeCase, SHAPES, streamOf } from "./streams.ts";

/** A case that runs one of our runtime-free cores over every chunk, then finishes it. */
function coreCase(
  what: Omit<BenchCase, "run" | "group">,
  chunks: readonly Uint8Array[],
  open: (out: Outcome) => { push(chunk: Uint8Array): void; finish(): void },
  fresh: () => Outcome,
): BenchCase {
  return {
    ...what,
    group: "ours",
    run() {
      const out = fresh();
      const core = open(out);
      try {
        for (const chunk of chunks) core.push(chunk);
        core.finish();
      } catch (error) {
        out.error = message(error);
      }
      return out;
    },
  };
}

/** Our cases for one input; `instructions` (decoded once, untimed) is what the encoder re-encodes. */
export function ourCases(
  input: BenchInput,
  instructions: readonly Instruction[],
  encodedBytes: number,
): BenchCase[] {
  const { chunks } = input;
  const size = input.bytes.length;
  const ours = (id: string, label: string, kind: BenchCase["kind"]) =>
    ({ id, label: `ours  ${label}`, group: "ours", kind, bytesPerRun: size }) as const;
  return [
    pipeCase(
      ours("decoder-stream", "InstructionDecoderStream (pipeThrough)", "decode"),
      chunks,
      SHAPES.instructions,
      () => new InstructionDecoderStream(),
    ),
    pipeCase(
      ours("batch-decoder-stream", "InstructionBatchDecoderStream (pipeThrough)", "decode"),
      chunks,
      SHAPES.batches,
      () => new InstructionBatchDecoderStream(),
    ),
    pipeCase(
      ours("frame-stream", "InstructionFrameStream (pipeThrough)", "frame"),
      chunks,
      SHAPES.frames,
      () => new InstructionFrameStream(),
    ),
    {
      ...ours("frame-stream-coalesce", "InstructionFrameStream {coalesce}", "frame"),
      run() {
        const out: Outcome = { instructions: Number.NaN, bytes: 0 };
        const stream = new InstructionFrameStream({ coalesce: true });
        return drainInto(out, streamOf(chunks).pipeThrough(stream), (frame) => {
          out.bytes += frame.byteLength;
          do_not_optimize(frame);
        });
      },
    },
    coreCase(
      ours("decoder-core", "InstructionDecoder core (direct)", "decode"),
      chunks,
      (out) =>
        new InstructionDecoder((i) => {
          out.instructions++;
          do_not_optimize(i);
        }),
      () => ({ instructions: 0, bytes: Number.NaN }),
    ),
    coreCase(
      ours("framer-core", "InstructionFramer core (direct)", "frame"),
      chunks,
      (out) =>
        new InstructionFramer((bytes, start, end) => {
          out.instructions++;
          out.bytes += end - start;
          do_not_optimize(bytes);
        }),
      () => ({ instructions: 0, bytes: 0 }),
    ),
    {
      ...ours("encoder-stream", "InstructionEncoderStream (re-encode)", "encode"),
      bytesPerRun: encodedBytes,
      async run() {
        const out: Outcome = { instructions: instructions.length, bytes: 0 };
        return drainInto(
          out,
          streamOf(instructions).pipeThrough(new InstructionEncoderStream()),
          (b) => {
            out.bytes += b.byteLength;
            do_not_optimize(b);
          },
        );
      },
    },
  ];
}
