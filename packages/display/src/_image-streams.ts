import { DisplayError } from "./display-error.ts";

/** An `img` stream being received. */
export interface OpenImage {
  readonly mimetype: string;
  readonly draw: (bytes: Uint8Array) => void;
  readonly chunks: Uint8Array[];
  bytes: number;
}

/** Limits on image streams. */
export interface ImageStreamLimits {
  readonly maxStreamBytes: number;
  readonly maxOpenStreams: number;
}

/** How many ignored stream indices are remembered; guacd's stream indices are far fewer. */
const MAX_IGNORED_STREAMS = 1024;

/** Opcodes that open a stream for someone else (the client, an audio player): not the display's. */
const FOREIGN_STREAM_OPENERS: Readonly<Record<string, number>> = {
  audio: 0,
  video: 0,
  clipboard: 0,
  file: 0,
  pipe: 0,
  argv: 0,
  body: 1,
};

/**
 * The `img` streams open now, by stream index, with their bytes so far. Streams other opcodes
 * opened are remembered only to let their `blob`s and `end` pass quietly.
 */
export class ImageStreams {
  readonly #limits: ImageStreamLimits;
  readonly #open = new Map<number, OpenImage>();
  // Streams that are not the display's, or were dropped: their blobs are ignored until `end`.
  readonly #ignored = new Set<number>();

  constructor(limits: ImageStreamLimits) {
    this.#limits = limits;
  }

  /** How many image streams are open. */
  get size(): number {
    return this.#open.size;
  }

  /** Notes a stream another opcode opened; returns whether `opcode` opens one. */
  noteForeign(opcode: string, args: readonly string[]): boolean {
    const at = FOREIGN_STREAM_OPENERS[opcode];
    if (at === undefined) return false;
    const index = Number.parseInt(args[at] ?? "", 10);
    if (Number.isSafeInteger(index)) {
      this.#open.delete(index);
      this.#ignore(index);
    }
    return true;
  }

  /** Remembers a stream to ignore, forgetting the oldest past a bound (streams never ended). */
  #ignore(index: number): void {
    this.#ignored.delete(index);
    this.#ignored.add(index);
    if (this.#ignored.size > MAX_IGNORED_STREAMS) {
      const oldest = this.#ignored.values().next().value;
      if (oldest !== undefined) this.#ignored.delete(oldest);
    }
  }

  /** Opens an image stream (replacing one on the same index, as guacamole-common-js does). */
  open(index: number, image: Omit<OpenImage, "chunks" | "bytes">): void {
    this.#ignored.delete(index);
    if (!this.#open.has(index) && this.#open.size >= this.#limits.maxOpenStreams) {
      this.#ignore(index);
      throw new DisplayError(
        "TOO_MANY_STREAMS",
        `Cannot open image stream ${index}: ${this.#limits.maxOpenStreams} are open already`,
        { opcode: "img" },
      );
    }
    this.#open.set(index, { ...image, chunks: [], bytes: 0 });
  }

  /** Adds a blob's bytes; drops the stream once it passes `maxStreamBytes`. */
  append(index: number, bytes: Uint8Array): void {
    const image = this.#open.get(index);
    if (image === undefined) {
      if (this.#ignored.has(index)) return;
      throw new DisplayError(
        "UNKNOWN_STREAM",
        `Cannot add a blob to stream ${index}: it is not open`,
        {
          opcode: "blob",
        },
      );
    }
    image.bytes += bytes.length;
    if (image.bytes > this.#limits.maxStreamBytes) {
      this.#open.delete(index);
      this.#ignore(index);
      throw new DisplayError(
        "STREAM_TOO_LARGE",
        `Cannot keep image stream ${index}: it passed ${this.#limits.maxStreamBytes} bytes`,
        { opcode: "blob" },
      );
    }
    image.chunks.push(bytes);
  }

  /** Ends a stream: the whole image's bytes and its drawing callback, or `undefined` if not ours. */
  end(index: number): { image: OpenImage; bytes: Uint8Array } | undefined {
    const image = this.#open.get(index);
    if (image === undefined) {
      if (this.#ignored.delete(index)) return undefined;
      throw new DisplayError("UNKNOWN_STREAM", `Cannot end stream ${index}: it is not open`, {
        opcode: "end",
      });
    }
    this.#open.delete(index);
    let bytes: Uint8Array;
    if (image.chunks.length === 1) bytes = image.chunks[0] as Uint8Array;
    else {
      bytes = new Uint8Array(image.bytes);
      let at = 0;
      for (const chunk of image.chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
    }
    image.chunks.length = 0;
    return { image, bytes };
  }

  /** Forgets every stream. */
  clear(): void {
    this.#open.clear();
    this.#ignored.clear();
  }
}
