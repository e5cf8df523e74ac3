import type { Instruction } from "@guacstream/codec";
import { TunnelError } from "../base/errors.ts";

/**
 * Why a recording stopped before its session did.
 */
export type RecordingTruncation = "byte-cap" | "disk-floor" | "sink-failed";

/**
 * The sidecar written when a recording closes (the shape `@guacstream/recording`'s
 * `parseRecordingMetadata` reads), so a site can list and search recordings without parsing them.
 *
 * @example Written beside the recording when it closes
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionRecorderStream, type SessionRecordingMetadata } from "@guacstream/tunnel";
 *
 * const written: SessionRecordingMetadata[] = [];
 * const recorder = new SessionRecorderStream(new WritableStream(), {
 *   connection: "lab", protocol: "ssh", writeMetadata: (m) => void written.push(m),
 * });
 * await recorder.close();
 * assert.equal(written[0]?.protocol, "ssh");
 * assert.equal(written[0]?.keysRecorded, false);
 * ```
 */
export interface SessionRecordingMetadata {
  /** The connection's name or id, as given in {@link SessionRecorderOptions.connection}. */
  readonly connection: string;
  /** The protocol guacd ran. */
  readonly protocol: string;
  /** When recording began, ISO 8601. */
  readonly start: string;
  /** When the recording closed, ISO 8601. */
  readonly end: string;
  /** Bytes written to the recording. */
  readonly bytes: number;
  /** Whether the browser's key events are in it. */
  readonly keysRecorded: boolean;
  /** Why it ended before the session, if it did. */
  readonly truncated?: RecordingTruncation;
}

/**
 * Options of {@link SessionRecorderStream}.
 *
 * @example Keys on, a 256 MiB cap, and a floor of 1 GiB free (Node's `fs.statfs`)
 * ```ts
 * import assert from "node:assert/strict";
 * import { statfs } from "node:fs/promises";
 * import { type SessionRecorderOptions, SessionRecorderStream } from "@guacstream/tunnel";
 *
 * const options: SessionRecorderOptions = {
 *   includeKeys: true,
 *   maxBytes: 256 * 1024 * 1024,
 *   minFreeBytes: 1024 * 1024 * 1024,
 *   freeBytes: async () => {
 *     const fs = await statfs("/");
 *     return fs.bavail * fs.bsize;
 *   },
 * };
 * const recorder = new SessionRecorderStream(new WritableStream(), options);
 * assert.equal(recorder.includeKeys, true);
 * await recorder.close();
 * ```
 */
export interface SessionRecorderOptions {
  /**
   * Record the browser's key events as guacd's `recording-include-keys` does (`key,<keysym>,
   * <pressed>,<timestamp>` between guacd's instructions, on guacd's clock), so guaclog and
   * players read them. Off by default: keys can be passwords.
   * @default {false}
   */
  readonly includeKeys?: boolean;
  /**
   * Most bytes one recording may hold. Reaching it ends the session with `RECORDING_FAILED`
   * (the recording keeps whole instructions up to there).
   * @default {1073741824}
   */
  readonly maxBytes?: number;
  /**
   * Free bytes where the recording is written, e.g. from `fs.statfs`. Checked at the first chunk
   * and every {@link SessionRecorderOptions.checkFreeEvery} bytes; with none, no floor applies.
   */
  readonly freeBytes?: () => number | Promise<number>;
  /**
   * The least free space to leave: below it the session ends with `RECORDING_FAILED`.
   * @default {536870912}
   */
  readonly minFreeBytes?: number;
  /**
   * Bytes written between two free-space checks.
   * @default {16777216}
   */
  readonly checkFreeEvery?: number;
  /** The connection, for the metadata sidecar. @default {""} */
  readonly connection?: string;
  /** The protocol, for the metadata sidecar. @default {""} */
  readonly protocol?: string;
  /** Writes the metadata sidecar when the recording closes (after a failure too). */
  readonly writeMetadata?: (metadata: SessionRecordingMetadata) => void | Promise<void>;
  /** The wall clock (ms), for tests. @default {Date.now} */
  readonly now?: () => number;
}

const TEXT_ENCODER = new TextEncoder();
// ".sync," within guacd's output: the byte pattern of a sync instruction's opcode.
const SYNC = TEXT_ENCODER.encode(".sync,");

/**
 * A pass-through for guacd's output that also writes every chunk to `sink`: put it on the guacd →
 * browser side of a tunnel and the sink receives a `.guac` session recording, the same instruction
 * stream guacd's own `recording-path` writes, which guacamole-common-js's
 * `Guacamole.SessionRecording` plays back. Placed after the bridge's framing, the file holds whole
 * instructions only, even if the session breaks mid-instruction.
 *
 * The sink applies back-pressure: a slow disk slows the session rather than growing memory. A sink
 * error, the byte cap, or free space under the floor ends the session with {@link TunnelError}
 * `RECORDING_FAILED` (a recording that must be complete should not silently stop; the bridge
 * closes with 1011, and the broker's `closed` event carries the error). The sink is closed when
 * the stream ends cleanly; call {@link SessionRecorderStream.close} after the session in every
 * case, to close it after a failure too. With `writeMetadata`, closing writes the sidecar.
 *
 * With `includeKeys`, put {@link SessionRecorderStream.keyTap} on the browser → guacd side: it
 * records each `key` as guacd's `recording-include-keys` does.
 *
 * @example Record into memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionRecorderStream } from "@guacstream/tunnel";
 *
 * const chunks: Uint8Array[] = [];
 * const recorder = new SessionRecorderStream(new WritableStream({ write: (c) => void chunks.push(c) }));
 * const bytes = new TextEncoder().encode("4.sync,4.1234,1.1;");
 * const passed: Uint8Array[] = [];
 * for await (const chunk of ReadableStream.from([bytes]).pipeThrough(recorder)) passed.push(chunk);
 * await recorder.close();
 * assert.deepEqual(passed, [bytes]);
 * assert.equal(new TextDecoder().decode(chunks[0]), "4.sync,4.1234,1.1;");
 * ```
 */
export class SessionRecorderStream extends TransformStream<Uint8Array, Uint8Array> {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #options: SessionRecorderOptions;
  readonly #now: () => number;
  readonly #maxBytes: number;
  readonly #started: number;
  #closed = false;
  #bytes = 0;
  #nextFreeCheck = 0;
  #failure: TunnelError | undefined;
  #truncated: RecordingTruncation | undefined;
  // guacd's clock: its last sync timestamp and when it was seen here.
  #guacdTime: number | undefined;
  #guacdTimeAt = 0;

  /** A recorder writing to `sink` (locked until {@link SessionRecorderStream.close}). */
  constructor(sink: WritableStream<Uint8Array>, options: SessionRecorderOptions = {}) {
    const writer = sink.getWriter();
    let self!: SessionRecorderStream;
    super({
      async transform(chunk, controller) {
        if (self.#guacdClockWanted()) self.#noteSync(chunk);
        await self.#record(chunk);
        controller.enqueue(chunk);
      },
      async flush() {
        await self.close();
      },
    });
    self = this;
    this.#writer = writer;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#maxBytes = options.maxBytes ?? 1024 * 1024 * 1024;
    this.#started = this.#now();
  }

  /** Bytes written to the recording so far. */
  get bytesRecorded(): number {
    return this.#bytes;
  }

  /** Whether the browser's key events are recorded. */
  get includeKeys(): boolean {
    return this.#options.includeKeys === true;
  }

  /**
   * A pass-through for the browser's instructions that records each `key` (with `includeKeys`;
   * otherwise it only passes them on). A recording failure fails it too, ending the session.
   */
  keyTap(): TransformStream<Instruction, Instruction> {
    return new TransformStream<Instruction, Instruction>({
      transform: async (item, controller) => {
        if (item.opcode === "key" && this.includeKeys) {
          await this.recordKey(Number(item.args[0]), item.args[1] === "1");
        }
        controller.enqueue(item);
      },
    });
  }

  /**
   * Records one key event as guacd's `recording-include-keys` writes it, timed on guacd's clock
   * (its last `sync` plus the time since). Does nothing without `includeKeys` or once closed.
   */
  async recordKey(keysym: number, pressed: boolean): Promise<void> {
    if (!this.includeKeys || this.#closed) return;
    if (!Number.isInteger(keysym)) return;
    const since = this.#now() - this.#guacdTimeAt;
    const timestamp = this.#guacdTime === undefined ? this.#now() : this.#guacdTime + since;
    const text = [String(keysym), pressed ? "1" : "0", String(Math.round(timestamp))]
      .map((arg) => `${arg.length}.${arg}`)
      .join(",");
    await this.#record(TEXT_ENCODER.encode(`3.key,${text};`));
  }

  /**
   * Closes the sink (once; later calls do nothing) and writes the metadata sidecar. Resolves when
   * both are done.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#writer.close().catch((error: unknown) => {
        if (this.#failure === undefined) throw error;
      });
    } finally {
      this.#writer.releaseLock();
      await this.#options.writeMetadata?.({
        connection: this.#options.connection ?? "",
        protocol: this.#options.protocol ?? "",
        start: new Date(this.#started).toISOString(),
        end: new Date(this.#now()).toISOString(),
        bytes: this.#bytes,
        keysRecorded: this.includeKeys,
        ...(this.#truncated === undefined ? {} : { truncated: this.#truncated }),
      });
    }
  }

  async #record(bytes: Uint8Array): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#bytes + bytes.byteLength > this.#maxBytes) {
      throw this.#fail(
        "byte-cap",
        `Cannot record: the recording reached its cap of ${this.#maxBytes} bytes`,
      );
    }
    if (this.#options.freeBytes !== undefined && this.#bytes >= this.#nextFreeCheck) {
      this.#nextFreeCheck = this.#bytes + (this.#options.checkFreeEvery ?? 16 * 1024 * 1024);
      const floor = this.#options.minFreeBytes ?? 512 * 1024 * 1024;
      let free: number;
      try {
        free = await this.#options.freeBytes();
      } catch (cause) {
        throw this.#fail("sink-failed", "Cannot record: the free space could not be read", cause);
      }
      if (free - bytes.byteLength < floor) {
        throw this.#fail(
          "disk-floor",
          `Cannot record: ${free} bytes are free where it is written, the floor is ${floor}`,
        );
      }
    }
    try {
      await this.#writer.write(bytes);
    } catch (cause) {
      throw this.#fail("sink-failed", "Cannot record: the recording sink failed", cause);
    }
    this.#bytes += bytes.byteLength;
  }

  #fail(reason: RecordingTruncation, message: string, cause?: unknown): TunnelError {
    this.#truncated ??= reason;
    this.#failure ??= new TunnelError("RECORDING_FAILED", message, { cause: cause ?? reason });
    return this.#failure;
  }

  #guacdClockWanted(): boolean {
    return this.includeKeys;
  }

  /** Notes guacd's clock from the last `sync` in a chunk of whole instructions. */
  #noteSync(chunk: Uint8Array): void {
    for (let at = chunk.length - SYNC.length; at >= 1; at--) {
      if (chunk[at] !== 0x2e || !matches(chunk, at, SYNC) || chunk[at - 1] !== 0x34) continue;
      // "4.sync,<len>.<timestamp>"
      let i = at + SYNC.length;
      let length = 0;
      while (i < chunk.length && chunk[i]! >= 0x30 && chunk[i]! <= 0x39) {
        length = length * 10 + chunk[i]! - 0x30;
        i++;
      }
      if (chunk[i] !== 0x2e || length === 0 || length > 15) return;
      let value = 0;
      for (let d = i + 1; d <= i + length && d < chunk.length; d++) {
        const digit = chunk[d]! - 0x30;
        if (digit < 0 || digit > 9) return;
        value = value * 10 + digit;
      }
      this.#guacdTime = value;
      this.#guacdTimeAt = this.#now();
      return;
    }
  }
}

function matches(bytes: Uint8Array, at: number, pattern: Uint8Array): boolean {
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false;
  return true;
}
