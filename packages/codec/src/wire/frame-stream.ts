import { syncTransform } from "./_sync-transform.ts";
import { InstructionFramer, type InstructionFramerOptions } from "./frame.ts";

/** Options of {@link InstructionFrameStream}. */
export interface InstructionFrameStreamOptions extends InstructionFramerOptions {
  /**
   * Emit every run of whole instructions that arrived in one input chunk as a single output chunk,
   * instead of one chunk per instruction. Fewer, larger chunks: what a broker forwarding to a
   * WebSocket wants.
   * @default {false}
   */
  coalesce?: boolean;
}

/**
 * Cuts a Guacamole byte stream at instruction boundaries without decoding it: each output chunk is
 * the exact bytes of one whole instruction (or, with `coalesce`, of several). This is the fast path
 * for forwarding guacd's output. Output chunks are views into the input chunks where an
 * instruction arrived whole, and copies where it straddled two reads.
 *
 * @example Forward whole instructions only
 * ```ts
 * import assert from "node:assert/strict";
 * import { InstructionFrameStream } from "@guacstream/codec";
 *
 * const bytes = new TextEncoder().encode("4.sync,3.1;2;4.name,1.🌍;");
 * const frames: string[] = [];
 * const source = new Blob([bytes.subarray(0, 7), bytes.subarray(7)]).stream();
 * for await (const frame of source.pipeThrough(new InstructionFrameStream())) {
 *   frames.push(new TextDecoder().decode(frame));
 * }
 * assert.deepEqual(frames, ["4.sync,3.1;2;", "4.name,1.🌍;"]);
 * ```
 */
export class InstructionFrameStream {
  /** The output side. */
  readonly readable: ReadableStream<Uint8Array>;
  /** The input side. */
  readonly writable: WritableStream<Uint8Array>;
  readonly #framer: InstructionFramer;

  /** A framing stream with guacd's limits (or `options.limits`); `options.coalesce` merges runs. */
  constructor(options: InstructionFrameStreamOptions = {}) {
    const coalesce = options.coalesce ?? false;
    let framer!: InstructionFramer;
    const pair = syncTransform<Uint8Array, Uint8Array>((enqueue) => {
      // The run of whole instructions found so far in the current input chunk (coalesce mode).
      let runBytes: Uint8Array | undefined;
      let runStart = 0;
      let runEnd = 0;
      const flushRun = (): void => {
        if (runBytes !== undefined) {
          enqueue(view(runBytes, runStart, runEnd));
          runBytes = undefined;
        }
      };
      framer = new InstructionFramer((bytes, start, end, copied) => {
        if (copied) {
          flushRun();
          enqueue(bytes.slice(start, end));
        } else if (!coalesce) {
          enqueue(view(bytes, start, end));
        } else if (runBytes === bytes && runEnd === start) {
          runEnd = end;
        } else {
          flushRun();
          runBytes = bytes;
          runStart = start;
          runEnd = end;
        }
      }, options);
      return {
        transform(chunk) {
          try {
            framer.push(chunk);
          } finally {
            flushRun();
          }
        },
        flush() {
          framer.finish();
        },
      };
    });
    this.readable = pair.readable;
    this.writable = pair.writable;
    this.#framer = framer;
  }

  /** Bytes of an unfinished instruction held back; never more than `maxInstructionBytes`. */
  get bufferedBytes(): number {
    return this.#framer.bufferedBytes;
  }
}

/** bytes[start..end) as a view; the constructor costs less than `subarray`'s species lookup. */
function view(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start);
}
