import { DisplayError } from "./display-error.ts";
import type { ImageDecoder, RgbaImage } from "./image/rgba-image.ts";

/**
 * Image decodes, at most `maxConcurrent` at a time (the rest wait their turn), with a way to wait
 * until fewer than some number are in progress or waiting (back-pressure for a fast source). The
 * encoded bytes waiting are bounded: a source that sends images faster than they decode, and does
 * not wait (a client's `onInstruction` cannot), has images refused instead of memory growing.
 */
export class DecodeQueue {
  readonly #decoder: ImageDecoder | undefined;
  readonly #maxConcurrent: number;
  readonly #maxBacklogBytes: number;
  #backlogBytes = 0;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  #room: { limit: number; resolve: () => void }[] = [];

  constructor(decoder: ImageDecoder | undefined, maxConcurrent: number, maxBacklogBytes: number) {
    this.#decoder = decoder;
    this.#maxConcurrent = Math.max(1, maxConcurrent);
    this.#maxBacklogBytes = maxBacklogBytes;
  }

  /** The mimetypes the decoder takes (none without a decoder). */
  get mimetypes(): readonly string[] {
    return this.#decoder?.mimetypes ?? [];
  }

  /** Decodes in progress or waiting. */
  get pending(): number {
    return this.#running + this.#waiting.length;
  }

  /** Resolves once fewer than `limit` decodes are in progress or waiting. */
  whenBelow(limit: number): Promise<void> {
    if (this.pending < limit) return Promise.resolve();
    return new Promise((resolve) => this.#room.push({ limit, resolve }));
  }

  /** Decodes one image in its turn; rejects when there is no decoder or it refuses the bytes. */
  async decode(mimetype: string, bytes: Uint8Array): Promise<RgbaImage> {
    const decoder = this.#decoder;
    if (decoder === undefined) throw new Error("the display has no image decoder");
    if (this.#running >= this.#maxConcurrent) {
      if (this.#backlogBytes + bytes.length > this.#maxBacklogBytes) {
        throw new DisplayError(
          "DECODE_BACKLOG",
          `Cannot queue a ${mimetype} image: ${this.#backlogBytes} bytes already wait to be decoded`,
          { opcode: "img" },
        );
      }
      this.#backlogBytes += bytes.length;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      this.#backlogBytes -= bytes.length;
    }
    this.#running++;
    try {
      return await decoder.decode(mimetype, bytes);
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
      if (this.#room.length > 0) {
        const pending = this.pending;
        const ready = this.#room.filter((w) => pending < w.limit);
        this.#room = this.#room.filter((w) => pending >= w.limit);
        for (const waiter of ready) waiter.resolve();
      }
    }
  }
}
