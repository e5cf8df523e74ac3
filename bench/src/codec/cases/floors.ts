/**
 * The floors: what the work around a case costs with the case's own work free (text decoding, a
 * scan, a copy, a bare reader, and each stream case's whole pipe with its outputs made beforehand).
 * No case can beat the floor of its shape.
 */
import { StringDecoder } from "node:string_decoder";
import type { Instruction } from "@guacstream/codec";
import { do_not_optimize } from "mitata";
import type { BenchCase } from "./case.ts";
import {
  cutFrames,
  drain,
  framesPerChunk,
  instructionsPerChunk,
  pipeCase,
  prefilledPair,
  SHAPES,
  sharesOf,
} from "./streams.ts";

/** The floor cases for one input (`instructions`: the input decoded once, untimed). */
export function floorCases(
  chunks: readonly Uint8Array[],
  size: number,
  instructions: readonly Instruction[],
): BenchCase[] {
  // The input's frames for the frame floor, cut on its first (warm-up) pass; and for the pipe
  // floors, each chunk's frames, instructions or batch of them.
  let frames: Uint8Array[] | undefined;
  let chunkFrames: Uint8Array[][] | undefined;
  let chunkInstructions: Instruction[][] | undefined;
  let chunkBatches: Instruction[][][] | undefined;
  // One chunk-sized destination for the memcpy floor, made once: the floor is the copy, not the
  // allocation.
  const buffer = new Uint8Array(chunks.reduce((max, c) => Math.max(max, c.length), 0));
  return [
    {
      id: "floor-textdecoder",
      label: "floor TextDecoder pass (stream)",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        const text = new TextDecoder();
        let units = 0;
        for (const chunk of chunks) {
          const s = text.decode(chunk, { stream: true });
          units += s.length;
          do_not_optimize(s);
        }
        units += text.decode().length;
        return { instructions: Number.NaN, bytes: units };
      },
    },
    {
      id: "floor-textdecoder-oneshot",
      label: "floor TextDecoder.decode per chunk, one-shot",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        // Not a correct feed (a chunk may end inside a character): it shows what the one-shot
        // decode, which the decoder uses per element, costs against the streaming one.
        const text = new TextDecoder();
        let units = 0;
        for (const chunk of chunks) {
          const s = text.decode(chunk);
          units += s.length;
          do_not_optimize(s);
        }
        return { instructions: Number.NaN, bytes: units };
      },
    },
    {
      id: "floor-string-decoder",
      label: "floor node:string_decoder pass",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        const text = new StringDecoder("utf8");
        let units = 0;
        for (const chunk of chunks) {
          const s = text.write(chunk);
          units += s.length;
          do_not_optimize(s);
        }
        units += text.end().length;
        return { instructions: Number.NaN, bytes: units };
      },
    },
    {
      id: "floor-stream-reads",
      label: "floor web stream: one read per instruction, nothing decoded",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      async run() {
        // The least a reader pays for a stream that yields one chunk per instruction: a bare
        // ReadableStream that enqueues each input chunk's share of the pre-decoded instructions
        // per pull (as a decoder does per read), drained like the decoder stream. No decoding,
        // no writable side: what the decoder stream would cost if decoding were free.
        const out = SHAPES.instructions.fresh();
        await drain(sharesOf(instructions, chunks.length), SHAPES.instructions.consume(out));
        return out;
      },
    },
    {
      id: "floor-stream-frames",
      label: "floor web stream: one read per frame, nothing scanned",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      async run() {
        // The same for the frame stream: each read's frames, cut once (untimed), as views.
        frames ??= cutFrames(chunks);
        const out = SHAPES.frames.fresh();
        await drain(sharesOf(frames, chunks.length), SHAPES.frames.consume(out));
        return out;
      },
    },
    // The stream cases' whole shapes, source and pipe included, with their work free: the input
    // chunks piped through a pair that enqueues each chunk's instructions (its batch, its
    // frames), made beforehand (untimed, on the first pass).
    pipeCase(
      {
        id: "floor-pipe-reads",
        label: "floor pipeThrough: one read per instruction, nothing decoded",
        group: "floor",
        kind: "floor",
        bytesPerRun: size,
      },
      chunks,
      SHAPES.instructions,
      () => {
        chunkInstructions ??= instructionsPerChunk(chunks);
        return prefilledPair(chunkInstructions);
      },
    ),
    pipeCase(
      {
        id: "floor-pipe-batches",
        label: "floor pipeThrough: one read per input chunk's instructions, nothing decoded",
        group: "floor",
        kind: "floor",
        bytesPerRun: size,
      },
      chunks,
      SHAPES.batches,
      () => {
        chunkInstructions ??= instructionsPerChunk(chunks);
        chunkBatches ??= chunkInstructions.map((batch) => (batch.length > 0 ? [batch] : []));
        return prefilledPair(chunkBatches);
      },
    ),
    pipeCase(
      {
        id: "floor-pipe-frames",
        label: "floor pipeThrough: one read per frame, nothing scanned",
        group: "floor",
        kind: "floor",
        bytesPerRun: size,
      },
      chunks,
      SHAPES.frames,
      () => {
        chunkFrames ??= framesPerChunk(chunks);
        return prefilledPair(chunkFrames);
      },
    ),
    {
      id: "floor-scan",
      label: "floor scan for ';' (indexOf)",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        let semicolons = 0;
        for (const chunk of chunks) {
          for (let at = chunk.indexOf(0x3b); at !== -1; at = chunk.indexOf(0x3b, at + 1)) {
            semicolons++;
          }
        }
        return { instructions: Number.NaN, bytes: semicolons };
      },
    },
    {
      id: "floor-memcpy",
      label: "floor memcpy (Uint8Array.set per chunk)",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        let copied = 0;
        for (const chunk of chunks) {
          buffer.set(chunk);
          copied += chunk.byteLength;
        }
        do_not_optimize(buffer);
        return { instructions: Number.NaN, bytes: copied };
      },
    },
  ];
}
