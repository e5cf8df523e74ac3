import { pushDecoderStream } from "./_push-decoder-stream.ts";
import { BlobBytesDecoder, type InstructionOrBlob } from "./blob-bytes-decoder.ts";
import type { InstructionDecoderOptions } from "./decoder.ts";

/**
 * {@linkcode BlobBytesDecoder} as a transform stream: Guacamole bytes in, instructions out, each
 * `blob` with its payload as decoded bytes instead of a base64 string. Errors as
 * `InstructionDecoderStream` does.
 *
 * @example Image data as bytes from the socket's bytes
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlobBytesDecoderStream, type InstructionOrBlob } from "@guacstream/codec";
 *
 * const bytes = new TextEncoder().encode("4.blob,1.0,8.iVBORw==;4.sync,1.5;");
 * const seen: InstructionOrBlob[] = [];
 * await new Blob([bytes]).stream().pipeThrough(new BlobBytesDecoderStream())
 *   .pipeTo(new WritableStream({ write: (i) => void seen.push(i) }));
 * const blob = seen[0];
 * assert.ok(blob !== undefined && "bytes" in blob);
 * assert.deepEqual([...blob.bytes], [0x89, 0x50, 0x4e, 0x47]);
 * assert.deepEqual(seen[1], { opcode: "sync", args: ["5"] });
 * ```
 */
export class BlobBytesDecoderStream {
  /** The output side. */
  readonly readable: ReadableStream<InstructionOrBlob>;
  /** The input side. */
  readonly writable: WritableStream<Uint8Array>;
  readonly #decoder: BlobBytesDecoder;

  /** A decoder stream with guacd's limits, or those in `options.limits`. */
  constructor(options: InstructionDecoderOptions = {}) {
    const pair = pushDecoderStream(
      (enqueue: (item: InstructionOrBlob) => void) => new BlobBytesDecoder(enqueue, options),
    );
    this.readable = pair.readable;
    this.writable = pair.writable;
    this.#decoder = pair.decoder;
  }

  /** Bytes of an unfinished instruction held back; never more than `maxInstructionBytes`. */
  get bufferedBytes(): number {
    return this.#decoder.bufferedBytes;
  }
}
