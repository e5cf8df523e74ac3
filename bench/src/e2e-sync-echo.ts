/**
 * The least work that still answers guacd's `sync`, for the byte-only client kinds (a bare socket,
 * the transport's raw readable): find `;4.sync,` with the engine's native byte search
 * (`Uint8Array.indexOf` for the `s`, then a check of the bytes around it) and read the timestamp
 * that follows, instead of framing every instruction. A `sync` cut by a read boundary is finished
 * on the next read. Runtime-free, so the Deno bench shares it.
 *
 * It trusts that `;4.sync,` only occurs where an instruction starts: guacd's image data is base64
 * (no `;`, `.` or `,`), and text elements (a window title, the clipboard) would have to hold that
 * exact sequence to confuse it.
 */

const SEMI = 0x3b;
const FOUR = 0x34;
const DOT = 0x2e;
const S = 0x73;
const Y = 0x79;
const N = 0x6e;
const C = 0x63;
const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;
/** Long enough for `;4.sync,` and a timestamp element (`13.1700000000000`) with room to spare. */
const MAX_CANDIDATE = 48;

const encoder = new TextEncoder();

/** The `sync` reply for `timestamp`. */
export function syncReply(timestamp: string): Uint8Array {
  return encoder.encode(`4.sync,${timestamp.length}.${timestamp};`);
}

/** Finds `sync` timestamps in a byte stream, chunk by chunk. */
export class SyncEchoScanner {
  /** Bytes kept from the previous chunk: an unfinished candidate, or its last bytes. */
  #tail: Uint8Array = new Uint8Array(0);
  readonly #onSync: (timestamp: string) => void;

  constructor(onSync: (timestamp: string) => void) {
    this.#onSync = onSync;
  }

  /** Scans one chunk (after the handshake's `ready`). */
  push(chunk: Uint8Array): void {
    const tail = this.#tail;
    if (tail.length > 0) {
      // Candidates whose `;` is in the tail: look at the tail joined with the chunk's first bytes.
      const head = chunk.subarray(0, MAX_CANDIDATE);
      const joined = new Uint8Array(tail.length + head.length);
      joined.set(tail);
      joined.set(head, tail.length);
      const stop = this.#scan(joined, 3, tail.length + 3);
      if (stop >= 0 && head.length === chunk.length) {
        // Unfinished, and the whole chunk was in `joined`: keep waiting (if it can still finish).
        this.#tail = joined.length - stop <= MAX_CANDIDATE ? joined.slice(stop) : new Uint8Array(0);
        return;
      }
    }
    // Candidates whose `;` is in this chunk.
    const stop = this.#scan(chunk, 3, chunk.length + 3);
    if (stop >= 0) {
      this.#tail = chunk.length - stop <= MAX_CANDIDATE ? chunk.slice(stop) : new Uint8Array(0);
    } else if (chunk.length >= 3) {
      this.#tail = chunk.slice(chunk.length - 3);
    } else {
      const joined = new Uint8Array(tail.length + chunk.length);
      joined.set(tail);
      joined.set(chunk, tail.length);
      this.#tail = joined.slice(Math.max(0, joined.length - 3));
    }
  }

  /**
   * Echoes every complete `sync` whose `s` is at an index in [from, to); returns the index of the
   * `;` of an unfinished one at the end of `bytes`, or -1.
   */
  #scan(bytes: Uint8Array, from: number, to: number): number {
    let at = bytes.indexOf(S, from);
    while (at >= 0 && at < to) {
      if (
        bytes[at - 1] === DOT &&
        bytes[at - 2] === FOUR &&
        bytes[at - 3] === SEMI &&
        (at + 4 >= bytes.length ||
          (bytes[at + 1] === Y && bytes[at + 2] === N && bytes[at + 3] === C))
      ) {
        if (at + 4 >= bytes.length) return at - 3;
        if (bytes[at + 4] === COMMA) {
          const end = this.#timestamp(bytes, at + 5);
          if (end === -1) return at - 3;
        }
      }
      at = bytes.indexOf(S, at + 1);
    }
    return -1;
  }

  /** Reads `<len>.<digits>` at `at` and echoes it; -1 when the bytes end first. */
  #timestamp(bytes: Uint8Array, at: number): number {
    let length = 0;
    let k = at;
    for (; k < bytes.length && bytes[k]! >= ZERO && bytes[k]! <= NINE; k++) {
      length = length * 10 + bytes[k]! - ZERO;
    }
    if (k >= bytes.length) return -1;
    if (bytes[k] !== DOT || length === 0 || length > 20) return k;
    const start = k + 1;
    if (start + length >= bytes.length) return -1;
    let timestamp = "";
    for (let d = start; d < start + length; d++) timestamp += String.fromCharCode(bytes[d]!);
    this.#onSync(timestamp);
    return start + length;
  }
}
