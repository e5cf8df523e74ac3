import { IN_VALUE, type ScanCursor } from "./_scan-cursor.ts";
import { isAsciiSpan, wordsOf } from "./_utf8.ts";

const EMPTY = new Uint8Array(0);
const NO_WORDS = new Int32Array(0);
/** A buffer up to this size is kept between instructions; a larger one is let go. */
const KEPT_BYTES = 1024;

/** What feeding a straddling instruction asks of the scanner. */
export interface StraddleHost {
  /**
   * Scans the held bytes `[0, held)`, whose first is at `streamOffset` in the stream, up to the
   * end of the first instruction they complete: returns the index after it, or -1.
   */
  scanOnce(held: number, streamOffset: number): number;
  /** Throws `INSTRUCTION_TOO_LONG` if an unfinished instruction of `held` bytes is too long. */
  checkUnfinished(held: number): void;
}

/**
 * Where an instruction that straddles chunks is gathered, a little at a time, so that it is
 * scanned in one contiguous buffer; it always starts at index 0. Bounded by `capacity`
 * (`maxInstructionBytes + 1`: one byte past the limit shows it was passed).
 */
export class StraddleBuffer {
  readonly #capacity: number;
  readonly #trackAscii: boolean;
  #bytes: Uint8Array = EMPTY;
  #words: Int32Array = NO_WORDS;
  #length = 0;
  /** Framing: whether every byte gathered is ASCII (its frame says so). */
  #ascii = false;

  /** `trackAscii` (framing): keep {@link ascii} up to date. */
  constructor(capacity: number, trackAscii: boolean) {
    this.#capacity = capacity;
    this.#trackAscii = trackAscii;
  }

  /** The buffer; bytes `[0, length)` are the instruction's. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** A 32-bit view of {@link bytes}, for the word-at-a-time ASCII check. */
  get words(): Int32Array {
    return this.#words;
  }

  /** Bytes gathered; 0 when no instruction straddles. */
  get length(): number {
    return this.#length;
  }

  /** Whether every byte gathered is ASCII (tracked for framing only). */
  get ascii(): boolean {
    return this.#ascii;
  }

  /** Starts over with `chunk[start..end)`, an unfinished instruction. */
  keep(chunk: Uint8Array, start: number, end: number, ascii: boolean): void {
    this.#reserve(end - start);
    this.#bytes.set(chunk.subarray(start, end), 0);
    this.#length = end - start;
    this.#ascii = ascii;
  }

  /**
   * Feeds the held instruction from `chunk` (whose end is at `streamEnd` in the stream), a few
   * bytes at a time, until it completes. Returns where in `chunk` scanning continues, or -1 if
   * the whole chunk was taken and the instruction is still unfinished.
   */
  feed(chunk: Uint8Array, streamEnd: number, cursor: ScanCursor, host: StraddleHost): number {
    const words = this.#trackAscii && this.#ascii ? wordsOf(chunk) : undefined;
    let taken = 0;
    for (;;) {
      const want = Math.min(
        this.#bytesWanted(cursor),
        chunk.length - taken,
        this.#capacity - this.#length,
      );
      this.#append(chunk, taken, taken + want, words);
      taken += want;
      const held = this.#length;
      const next = host.scanOnce(held, streamEnd - chunk.length + taken - held);
      if (next >= 0) {
        // The instruction ended at bytes[next - 1]; scanning goes on in the chunk after it.
        const resume = taken - (held - next);
        if (resume >= 0) {
          this.#length = 0;
          return resume;
        }
        // A value cut inside its last character was found only by looking past its terminator,
        // at bytes of an earlier chunk: they begin the next instruction, so keep them.
        this.#bytes.copyWithin(0, next, held);
        this.#length -= next;
        cursor.instStart = 0;
        cursor.pos = 0;
        continue;
      }
      host.checkUnfinished(held);
      if (taken === chunk.length) return -1;
    }
  }

  /** How many more bytes the unfinished instruction needs at least, plus a little lookahead. */
  #bytesWanted(cursor: ScanCursor): number {
    if (cursor.state !== IN_VALUE) return 64;
    return Math.max(64, cursor.charsLeft + cursor.pos - this.#length + 16);
  }

  #append(chunk: Uint8Array, from: number, to: number, words: Int32Array | undefined): void {
    this.#reserve(this.#length + to - from);
    this.#bytes.set(chunk.subarray(from, to), this.#length);
    if (words !== undefined && this.#ascii) this.#ascii = isAsciiSpan(chunk, words, from, to);
    this.#length += to - from;
  }

  /** The input ended and the instruction was completed: nothing is held. */
  clear(): void {
    this.#length = 0;
  }

  /**
   * A read ended at an instruction boundary, as guacd's reads do between frames: a buffer grown
   * for a long instruction goes, so that an idle connection keeps none. A small one stays; it is
   * what the next short straddle needs anyway.
   */
  release(): void {
    if (this.#bytes.length > KEPT_BYTES) {
      this.#bytes = EMPTY;
      this.#words = NO_WORDS;
    }
  }

  #reserve(size: number): void {
    if (size <= this.#bytes.length) return;
    const grown = new Uint8Array(
      Math.min(this.#capacity, Math.max(size, KEPT_BYTES, this.#bytes.length * 2)),
    );
    grown.set(this.#bytes.subarray(0, this.#length), 0);
    this.#bytes = grown;
    this.#words = wordsOf(grown);
  }
}
