/**
 * The least work that still answers guacd's `sync`, for the byte-only client kinds (a bare socket,
 * the transport's raw readable): find each `;` with a native byte search (`Buffer.indexOf`), see
 * whether `4.sync,` follows it, and read the timestamp after that, instead of framing every
 * instruction. A `;` ends every instruction and occurs nowhere in base64 image data, so the search
 * stops about once per instruction. A `sync` cut by a read boundary is
 * finished on the next read. The search is the fastest native one each runtime has, whatever the
 * chunk's class: Node's `Buffer.indexOf` (`memchr`); under Deno, whose `Buffer.indexOf` is written
 * in JS, V8's search of the chunk as Latin-1 text. A plain `Uint8Array`'s `indexOf` is several
 * times slower than either, enough to skew the comparison between transport kinds.
 *
 * It trusts that `;4.sync,` only occurs where an instruction starts: guacd's image data is base64
 * (no `;`, `.` or `,`), and text elements (a window title, the clipboard) would have to hold that
 * exact sequence to confuse it.
 */

import { Buffer } from "node:buffer";

const SEMI = 0x3b;
const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;
/** What starts a candidate: the `;` that ends the instruction before, then `4.sync,`. */
const SYNC_HEAD = new TextEncoder().encode(";4.sync,");
/** Long enough for `;4.sync,` and a timestamp element (`13.1700000000000`) with room to spare. */
const MAX_CANDIDATE = 48;
const EMPTY = new Uint8Array(0);
const IN_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** The index of the next `;` in the bytes at or after `from`, or -1. */
type Search = (from: number) => number;

function searchOf(bytes: Uint8Array): Search {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (!IN_DENO) return (from) => buffer.indexOf(SEMI, from);
  const text = buffer.toString("latin1");
  return (from) => text.indexOf(";", from);
}

const encoder = new TextEncoder();

/** The `sync` reply for `timestamp`. */
export function syncReply(timestamp: string): Uint8Array {
  return encoder.encode(`4.sync,${timestamp.length}.${timestamp};`);
}

/** Finds `sync` timestamps in a byte stream, chunk by chunk. */
export class SyncEchoScanner {
  /** An unfinished candidate from the previous chunk (from its `;`), or nothing. */
  #tail: Uint8Array = EMPTY;
  readonly #onSync: (timestamp: string) => void;

  constructor(onSync: (timestamp: string) => void) {
    this.#onSync = onSync;
  }

  /** Scans one chunk (after the handshake's `ready`). */
  push(chunk: Uint8Array): void {
    const tail = this.#tail;
    if (tail.length > 0) {
      // The candidate the last chunk cut: look at it joined with this chunk's first bytes.
      const head = chunk.subarray(0, MAX_CANDIDATE);
      const joined = new Uint8Array(tail.length + head.length);
      joined.set(tail);
      joined.set(head, tail.length);
      const stop = this.#scan(joined, searchOf(joined), tail.length);
      if (stop >= 0 && head.length === chunk.length) {
        // Unfinished, and the whole chunk was in `joined`: keep waiting (if it can still finish).
        this.#tail = joined.length - stop <= MAX_CANDIDATE ? copyFrom(joined, stop) : EMPTY;
        return;
      }
    }
    // Candidates whose `;` is in this chunk.
    const stop = this.#scan(chunk, searchOf(chunk), chunk.length);
    this.#tail = stop >= 0 && chunk.length - stop <= MAX_CANDIDATE ? copyFrom(chunk, stop) : EMPTY;
  }

  /**
   * Echoes every complete `sync` whose `;` is at an index below `to`; returns the index of the `;`
   * of a candidate that `bytes` end inside, or -1.
   */
  #scan(bytes: Uint8Array, search: Search, to: number): number {
    let at = search(0);
    while (at >= 0 && at < to) {
      let k = 1;
      while (k < SYNC_HEAD.length && at + k < bytes.length && bytes[at + k] === SYNC_HEAD[k]) k++;
      if (k === SYNC_HEAD.length) {
        if (this.#timestamp(bytes, at + k) === -1) return at;
      } else if (at + k === bytes.length) {
        return at; // the bytes end inside `;4.sync,`
      }
      at = search(at + 1);
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

/** A copy of bytes[from..] (a socket's chunk is a `Buffer`, whose `slice` would be a view). */
function copyFrom(bytes: Uint8Array, from: number): Uint8Array {
  return new Uint8Array(bytes.subarray(from));
}
