import type { ImageDecoder, RgbaImage } from "./image/rgba-image.ts";

/**
 * Image decodes, at most `maxConcurrent` at a time (the rest wait their turn), with a way to wait
 * until fewer than some number are in progress or waiting (back-pressure for a fast source).
 */
export class DecodeQueue {
  readonly #decoder: ImageDecoder | undefined;
  readonly #maxConcurrent: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  #room: { limit: number; resolve: () => void }[] = [];

  constructor(decoder: ImageDecoder | undefined, maxConcurrent: number) {
    this.#decoder = decoder;
    this.#maxConcurrent = Math.max(1, maxConcurrent);
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
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
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
