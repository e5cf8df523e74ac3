import { syncTransform } from "./_sync-transform.ts";
import { InstructionDecoder, type InstructionDecoderOptions } from "./decoder.ts";
import type { Instruction } from "./instruction.ts";

/**
 * Like `InstructionDecoderStream`, but each output chunk is an array of every instruction the
 * input chunk completed (input chunks that complete none yield nothing). Passing one array per
 * read instead of one object per instruction takes most of the web-stream overhead off small
 * instructions: the choice for recorders, proxies and load tools that consume in bulk.
 *
 * @example Decode in batches
 * ```ts
 * import assert from "node:assert/strict";
 * import { InstructionBatchDecoderStream } from "@guacstream/codec";
 *
 * const bytes = new TextEncoder().encode("4.sync,1.1;4.sync,1.2;4.sync,1.3;");
 * const batches = [];
 * const source = new Blob([bytes.subarray(0, 20), bytes.subarray(20)]).stream();
 * for await (const batch of source.pipeThrough(new InstructionBatchDecoderStream())) {
 *   batches.push(batch.map((i) => i.args[0]));
 * }
 * assert.deepEqual(batches, [["1"], ["2", "3"]]);
 * ```
 */
export class InstructionBatchDecoderStream {
  /** The output side. */
  readonly readable: ReadableStream<Instruction[]>;
  /** The input side. */
  readonly writable: WritableStream<Uint8Array>;
  readonly #decoder: InstructionDecoder;

  /** A decoder stream with guacd's limits, or those in `options.limits`. */
  constructor(options: InstructionDecoderOptions = {}) {
    let decoder!: InstructionDecoder;
    const pair = syncTransform<Uint8Array, Instruction[]>((enqueue) => {
      let batch: Instruction[] = [];
      decoder = new InstructionDecoder((instruction) => batch.push(instruction), options);
      return {
        transform(chunk) {
          try {
            decoder.push(chunk);
          } finally {
            // Instructions completed before a fault still go out, ahead of the error. A read
            // that completed none keeps its (empty) array for the next.
            if (batch.length > 0) {
              enqueue(batch);
              batch = [];
            }
          }
        },
        flush() {
          decoder.finish();
          if (batch.length > 0) enqueue(batch);
        },
      };
    });
    this.readable = pair.readable;
    this.writable = pair.writable;
    this.#decoder = decoder;
  }

  /** Bytes of an unfinished instruction held back; never more than `maxInstructionBytes`. */
  get bufferedBytes(): number {
    return this.#decoder.bufferedBytes;
  }
}
