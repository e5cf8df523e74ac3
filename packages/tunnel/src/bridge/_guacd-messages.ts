import { type GuacamoleLimits, InstructionDecoder, InstructionFramer } from "@guacstream/codec";
import { GUACAMOLE_STATUS } from "@guacstream/codec/client";

const SUCCESS: number = GUACAMOLE_STATUS.SUCCESS;
const SERVER_ERROR: number = GUACAMOLE_STATUS.SERVER_ERROR;
/** guacd's goodbye counts only if it came within its last this many bytes (as a 64 KiB tail did). */
const LAST_WORD_BYTES = 65536;
const ERROR_PREFIX = new TextEncoder().encode("5.error,");
const DISCONNECT_PREFIX = new TextEncoder().encode("10.disconnect");

/** One WebSocket message: whole instructions, and whether all its bytes are known ASCII. */
export interface GuacdMessage {
  readonly bytes: Uint8Array;
  readonly ascii: boolean;
  /**
   * The bytes sit in the scratch buffer every tunnel shares (a carried instruction joined to its
   * read): hand them to {@link returnScratch} once nothing refers to them any more.
   */
  readonly scratch: boolean;
}

/** Joined messages up to this size are built in one buffer shared by all tunnels, not a new one. */
const SCRATCH_BYTES = 256 * 1024;
/** The shared scratch buffer while nobody holds it. */
let freeScratch: Uint8Array | undefined;

function borrowScratch(size: number): Uint8Array {
  const free = freeScratch;
  if (free !== undefined && size <= free.length) {
    freeScratch = undefined;
    return free.subarray(0, size);
  }
  return new Uint8Array(Math.max(size, SCRATCH_BYTES)).subarray(0, size);
}

/**
 * Gives a message's scratch bytes back for the next join: only once the socket holds no reference
 * (it was sent a decoded copy, or, the `ws` package over a Node socket, `bufferedAmount` is 0 right
 * after `send`, so the kernel took a copy). A buffer never given back is simply garbage collected
 * once the socket is done.
 */
export function returnScratch(bytes: Uint8Array): void {
  if (bytes.buffer.byteLength === SCRATCH_BYTES) {
    freeScratch = new Uint8Array(bytes.buffer as ArrayBuffer);
  }
}

/**
 * guacd's bytes → one message per read, holding whole instructions only (guacamole-common-js
 * accepts several per message, never a part of one). The instruction a read cut is carried over
 * and sent in front of the next read's. It also watches for guacd's `error` / `disconnect`, so the
 * tunnel's verdict needs no copy of the traffic.
 */
export class GuacdMessages {
  readonly #framer: InstructionFramer;
  // This read's instructions: those carried over (copied), then one run of the read itself.
  #carried: Uint8Array[] = [];
  #carriedBytes = 0;
  #carriedAscii = true;
  #run: Uint8Array | undefined;
  #runStart = 0;
  #runEnd = 0;
  #runAscii = true;
  // guacd's last word: stream offsets where its last `error` / `disconnect` ended.
  #lastErrorEnd = -1;
  #lastErrorStatus = SUCCESS;
  #lastGoodbyeEnd = -1;

  constructor(limits: Partial<GuacamoleLimits>) {
    this.#framer = new InstructionFramer(
      (bytes, start, end, copied, ascii) => this.#frame(bytes, start, end, copied, ascii),
      { limits },
    );
  }

  /** The read's whole instructions as one message, or undefined if it completed none. */
  push(chunk: Uint8Array): GuacdMessage | undefined {
    try {
      this.#framer.push(chunk);
    } catch (error) {
      this.#reset();
      throw error;
    }
    return this.#take();
  }

  /** Ends the input: throws `TRUNCATED` if guacd stopped inside an instruction. */
  finish(): GuacdMessage | undefined {
    this.#framer.finish();
    return this.#take();
  }

  /** guacd's final word: the status of its last `error` (or SUCCESS), and whether it said goodbye. */
  lastWord(): { status: number; ended: boolean } {
    const since = this.#framer.bytesReceived - LAST_WORD_BYTES;
    const errored = this.#lastErrorEnd >= 0 && this.#lastErrorEnd > since;
    return {
      status: errored ? this.#lastErrorStatus : SUCCESS,
      ended: errored || (this.#lastGoodbyeEnd >= 0 && this.#lastGoodbyeEnd > since),
    };
  }

  #frame(bytes: Uint8Array, start: number, end: number, copied: boolean, ascii: boolean): void {
    if (bytes[start] === 0x35 || bytes[start] === 0x31) this.#watch(bytes, start, end);
    if (copied) {
      const kept = bytes.slice(start, end);
      this.#carried.push(kept);
      this.#carriedBytes += kept.length;
      this.#carriedAscii &&= ascii;
    } else if (this.#run === bytes && this.#runEnd === start) {
      this.#runEnd = end;
      this.#runAscii &&= ascii;
    } else {
      // A read's own instructions come after those carried over, in one run; a second run would
      // mean the order broke, so keep both in order rather than lose one.
      if (this.#run !== undefined) this.#carryRun();
      this.#run = bytes;
      this.#runStart = start;
      this.#runEnd = end;
      this.#runAscii = ascii;
    }
  }

  /** Notes an `error` or `disconnect` (frames starting with "5." or "1" get here). */
  #watch(bytes: Uint8Array, start: number, end: number): void {
    // The end of the read it came in: close enough for "within the last 64 KiB".
    const at = this.#framer.bytesReceived;
    if (startsWith(bytes, start, end, ERROR_PREFIX)) {
      let status = SERVER_ERROR;
      new InstructionDecoder((instruction) => {
        const code = Number.parseInt(instruction.args[1] ?? "", 10);
        status = Number.isNaN(code) ? SERVER_ERROR : code;
      }).push(bytes.subarray(start, end));
      this.#lastErrorEnd = at;
      this.#lastErrorStatus = status;
    } else if (
      startsWith(bytes, start, end, DISCONNECT_PREFIX) &&
      (bytes[start + DISCONNECT_PREFIX.length] === 0x3b ||
        bytes[start + DISCONNECT_PREFIX.length] === 0x2c)
    ) {
      this.#lastGoodbyeEnd = at;
    }
  }

  #carryRun(): void {
    const run = this.#run!.slice(this.#runStart, this.#runEnd);
    this.#carried.push(run);
    this.#carriedBytes += run.length;
    this.#carriedAscii &&= this.#runAscii;
    this.#run = undefined;
  }

  #take(): GuacdMessage | undefined {
    const carried = this.#carried;
    const run = this.#run;
    let message: GuacdMessage | undefined;
    if (carried.length === 0) {
      if (run !== undefined) {
        const bytes = run.subarray(this.#runStart, this.#runEnd);
        message = { bytes, ascii: this.#runAscii, scratch: false };
      }
    } else if (carried.length === 1 && run === undefined) {
      message = { bytes: carried[0]!, ascii: this.#carriedAscii, scratch: false };
    } else {
      const runBytes = run === undefined ? 0 : this.#runEnd - this.#runStart;
      const bytes = borrowScratch(this.#carriedBytes + runBytes);
      let at = 0;
      for (const part of carried) {
        bytes.set(part, at);
        at += part.length;
      }
      if (run !== undefined) bytes.set(run.subarray(this.#runStart, this.#runEnd), at);
      message = {
        bytes,
        ascii: this.#carriedAscii && (run === undefined || this.#runAscii),
        scratch: true,
      };
    }
    this.#reset();
    return message;
  }

  #reset(): void {
    if (this.#carried.length > 0) this.#carried = [];
    this.#carriedBytes = 0;
    this.#carriedAscii = true;
    this.#run = undefined;
    this.#runAscii = true;
  }
}

function startsWith(bytes: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return false;
  return true;
}

/** Whether every byte is ASCII: four bytes at a time where they are aligned. */
export function isAscii(bytes: Uint8Array): boolean {
  const base = bytes.byteOffset;
  const end = bytes.length;
  let acc = 0;
  let i = 0;
  while (i < end && ((base + i) & 3) !== 0) acc |= bytes[i++]!;
  const wordStart = (base + i) >> 2;
  const wordEnd = (base + end) >> 2;
  if (wordEnd > wordStart) {
    const words = new Int32Array(bytes.buffer, wordStart << 2, wordEnd - wordStart);
    for (let w = 0; w < words.length; w++) acc |= words[w]!;
    i = (wordEnd << 2) - base;
  }
  while (i < end) acc |= bytes[i++]!;
  return (acc & 0x80808080) === 0;
}
