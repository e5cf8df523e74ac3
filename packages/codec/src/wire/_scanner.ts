import { NATIVES } from "./_native.ts";
import { GUACD_CHAR_SIZE, isAsciiSpan, wordsOf } from "./_utf8.ts";
import { GuacamoleProtocolError } from "./errors.ts";
import type { GuacamoleLimits } from "./limits.ts";

const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const PERIOD = 0x2e;
const DIGIT_0 = 0x30;

const IN_LENGTH = 0;
const IN_VALUE = 1;
const AT_TERMINATOR = 2;

const REPLACEMENT_CHARACTER = "\uFFFD";
/** Elements up to this many bytes are looked up in the short-string cache. */
const SHORT_ELEMENT = 6;
const SHORT_CACHE_ENTRIES = 4096;
const EMPTY = new Uint8Array(0);
const NO_WORDS = new Int32Array(0);
/** A pending buffer up to this size is kept between instructions; a larger one is let go. */
const KEPT_PENDING_BYTES = 1024;

/** A decoding scanner's sink: it gets each instruction's elements as strings. */
export interface DecodeSink {
  readonly kind: "decode";
  /**
   * Reject malformed UTF-8 (`MALFORMED_UTF8`) instead of reading it as U+FFFD.
   * @default {false}
   */
  readonly strictUtf8?: boolean;
  instruction(opcode: string, args: string[]): void;
}

/**
 * A framing scanner's sink: it gets the exact bytes of each instruction as `bytes[start..end)`.
 * `copied` is false when `bytes` is the caller's own chunk and true when it is the scanner's
 * internal buffer, which is reused: copy it before keeping it.
 */
export interface FrameSink {
  readonly kind: "frame";
  frame(bytes: Uint8Array, start: number, end: number, copied: boolean, ascii: boolean): void;
}

/** What a scanner reports to: decoded instructions, or raw frames. */
export type ScanSink = DecodeSink | FrameSink;

/**
 * The one state machine behind the decoder and the framer: finds instruction and element
 * boundaries in bytes that arrive in any chunking, counting characters as guacd does.
 *
 * A complete instruction is always scanned in one contiguous buffer: the caller's chunk when it
 * holds the whole instruction (no copy), or the internal `#pending` buffer, into which an
 * instruction that straddles chunks is gathered a little at a time (bounded by
 * `maxInstructionBytes`). State survives between buffers, so no byte is scanned twice.
 */
export class InstructionScanner {
  readonly #limits: GuacamoleLimits;
  readonly #sink: ScanSink;
  // Read once from the sink's kind: the hot loop tests a boolean, not a string.
  readonly #decoding: boolean;
  readonly #textDecoder: TextDecoder | undefined;
  /** Decodes a whole chunk at once (never fatal: it only has to tell whether the chunk is ASCII). */
  readonly #chunkDecoder: TextDecoder | undefined;

  // The buffer being scanned and where it sits in the whole stream.
  #buf: Uint8Array = EMPTY;
  #words: Int32Array = NO_WORDS;
  #bufStreamOffset = 0;
  /**
   * Whether every byte of #buf is ASCII (checked once per chunk, natively or a word at a time):
   * then a value is exactly `length` bytes and needs no check of its own.
   */
  #bufAscii = false;
  /** #buf as text, when decoding an ASCII chunk: values are sliced from it (no copy, no call). */
  #bufText = "";

  // A straddling instruction, gathered here; it always starts at index 0.
  #pending: Uint8Array = EMPTY;
  #pendingWords: Int32Array = new Int32Array(0);
  #pendingLength = 0;
  /** Framing: whether every byte gathered in #pending is ASCII (its frame says so). */
  #pendingAscii = false;

  // Parser state for the instruction starting at #instStart in #buf.
  #instStart = 0;
  #pos = 0;
  #state = IN_LENGTH;
  #length = 0;
  #digits = 0;
  #charsLeft = 0;
  #valueStart = 0;
  #elements = 0;
  #opcode = "";
  readonly #shortStrings = new Map<number, string>();
  /**
   * The instruction's values so far, in a scratch array reused across instructions; an
   * instruction's `args` is an exact-size copy (a growing `[]` reserves 17 slots on its first
   * push: most of an instruction's memory, and what a batch keeps alive through a GC).
   */
  readonly #scratch: string[] = [];
  #argCount = 0;

  #streamLength = 0;
  #instructionEnd = 0;
  #atEnd = false;
  #failed: GuacamoleProtocolError | undefined;

  constructor(limits: GuacamoleLimits, sink: ScanSink, startOffset = 0) {
    this.#limits = limits;
    this.#streamLength = startOffset;
    this.#instructionEnd = startOffset;
    this.#sink = sink;
    this.#decoding = sink.kind === "decode";
    this.#textDecoder =
      sink.kind === "decode"
        ? new TextDecoder("utf-8", { fatal: sink.strictUtf8 ?? false })
        : undefined;
    this.#chunkDecoder = sink.kind === "decode" ? new TextDecoder("utf-8") : undefined;
  }

  /** Stream offset just after the last instruction completed (during a callback: its own). */
  get instructionEnd(): number {
    return this.#instructionEnd;
  }

  /** Bytes of an unfinished instruction held back, waiting for the rest of it. */
  get bufferedBytes(): number {
    return this.#pendingLength;
  }

  /** Stream offset after the last byte received (bytes received, plus the start offset). */
  get streamLength(): number {
    return this.#streamLength;
  }

  /** Scans one chunk, reporting every instruction it completes. Throws `GuacamoleProtocolError`. */
  push(chunk: Uint8Array): void {
    if (this.#failed !== undefined) throw this.#failed;
    try {
      this.#push(chunk);
    } catch (error) {
      if (error instanceof GuacamoleProtocolError) this.#failed = error;
      throw error;
    } finally {
      this.#releaseChunk();
    }
  }

  /**
   * Drops every reference to the chunk just scanned (its bytes, a view of its buffer, its text):
   * between reads the scanner holds only #pending, so a connection that idles does not keep its
   * last read (up to 64 KiB) alive. Every scan sets #buf again before it starts.
   */
  #releaseChunk(): void {
    this.#buf = EMPTY;
    this.#words = NO_WORDS;
    this.#bufAscii = false;
    this.#bufText = "";
  }

  /**
   * Declares the end of input: completes an instruction that only the end can complete (a value
   * cut inside its last character, awaiting a byte that will never come), and throws `TRUNCATED`
   * if the input ended inside an instruction.
   */
  finish(): void {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#pendingLength === 0) return;
    this.#atEnd = true;
    this.#buf = this.#pending;
    this.#bufAscii = false;
    this.#words = this.#pendingWords;
    this.#bufStreamOffset = this.#streamLength - this.#pendingLength;
    try {
      this.#scan(this.#pendingLength, false);
    } catch (error) {
      if (error instanceof GuacamoleProtocolError) this.#failed = error;
      throw error;
    }
    const lost = this.#pendingLength - this.#instStart;
    if (lost > 0) {
      const start = this.#bufStreamOffset + this.#instStart;
      this.#failed = new GuacamoleProtocolError(
        "TRUNCATED",
        `Cannot decode: the input ended inside an instruction; ${lost} bytes of it, from offset ${start}, were lost`,
        start,
        this.#elements,
      );
      throw this.#failed;
    }
    this.#pendingLength = 0;
  }

  #push(chunk: Uint8Array): void {
    const chunkOffset = this.#streamLength;
    this.#streamLength += chunk.length;
    let from = 0;
    if (this.#pendingLength > 0) {
      from = this.#continuePending(chunk);
      if (from < 0) return;
    }
    this.#buf = chunk;
    this.#words = wordsOf(chunk);
    this.#bufStreamOffset = chunkOffset;
    this.#checkAscii(chunk, from);
    const end = chunk.length;
    // Decoding an ASCII read, whole instructions go through one tight loop first; the state
    // machine takes over where it stops (the read's last, unfinished instruction, or a fault).
    if (this.#decoding && this.#bufAscii) from = this.#decodeAsciiRun(from, end);
    this.#instStart = from;
    this.#pos = from;
    if (this.#scan(end, false) >= 0 || this.#instStart >= end) {
      this.#releasePending();
      return;
    }
    // Keep the unfinished instruction: positions become relative to its start.
    this.#checkUnfinished(end);
    const start = this.#instStart;
    const rest = end - start;
    this.#reservePending(rest);
    this.#pending.set(chunk.subarray(start, end), 0);
    this.#pendingLength = rest;
    this.#pendingAscii = this.#bufAscii;
    this.#pos -= start;
    this.#valueStart -= start;
    this.#instStart = 0;
  }

  /**
   * Checks once whether chunk[from..] is all ASCII, so its values skip their own check. Decoding,
   * one native decode of the chunk does it (ASCII iff each byte became one UTF-16 unit and none
   * was malformed, U+FFFD) and yields the text values are sliced from; framing, a word-at-a-time
   * scan, which allocates nothing.
   */
  #checkAscii(chunk: Uint8Array, from: number): void {
    if (this.#chunkDecoder === undefined) {
      this.#bufAscii = isAsciiSpan(chunk, this.#words, from, chunk.length);
      return;
    }
    // Text indexes must equal byte indexes: decode from 0 even if pending took a head.
    const { isAscii, latin1 } = NATIVES;
    if (isAscii !== undefined && latin1 !== undefined) {
      // Natively: check, then copy, without validating UTF-8 along the way.
      this.#bufAscii = isAscii(chunk);
      this.#bufText = this.#bufAscii ? latin1(chunk) : "";
      return;
    }
    const text = this.#chunkDecoder.decode(chunk);
    // On a one-byte string V8 answers the indexOf without a scan.
    this.#bufAscii = text.length === chunk.length && text.indexOf(REPLACEMENT_CHARACTER) === -1;
    this.#bufText = this.#bufAscii ? text : "";
  }

  /**
   * Feeds the held-back instruction from `chunk`, a few bytes at a time, until it completes.
   * Returns where in `chunk` scanning continues, or -1 if the whole chunk went into the pending
   * buffer and the instruction is still unfinished.
   */
  #continuePending(chunk: Uint8Array): number {
    const capacity = this.#limits.maxInstructionBytes + 1;
    let taken = 0;
    let words: Int32Array | undefined;
    for (;;) {
      const want = Math.min(
        this.#bytesWanted(),
        chunk.length - taken,
        capacity - this.#pendingLength,
      );
      this.#reservePending(this.#pendingLength + want);
      this.#pending.set(chunk.subarray(taken, taken + want), this.#pendingLength);
      if (this.#pendingAscii && !this.#decoding) {
        words ??= wordsOf(chunk);
        this.#pendingAscii = isAsciiSpan(chunk, words, taken, taken + want);
      }
      this.#pendingLength += want;
      taken += want;
      this.#buf = this.#pending;
      this.#words = this.#pendingWords;
      this.#bufAscii = false;
      this.#bufStreamOffset = this.#streamLength - chunk.length + taken - this.#pendingLength;
      const next = this.#scan(this.#pendingLength, true);
      if (next >= 0) {
        // The instruction ended at pending[next - 1]; scanning goes on in the chunk after it.
        const resume = taken - (this.#pendingLength - next);
        if (resume >= 0) {
          this.#pendingLength = 0;
          this.#buf = EMPTY;
          return resume;
        }
        // A value cut inside its last character was found only by looking past its terminator,
        // at bytes of an earlier chunk: they begin the next instruction, so keep them.
        this.#pending.copyWithin(0, next, this.#pendingLength);
        this.#pendingLength -= next;
        this.#instStart = 0;
        this.#pos = 0;
        continue;
      }
      this.#checkUnfinished(this.#pendingLength);
      if (taken === chunk.length) {
        this.#buf = EMPTY;
        return -1;
      }
    }
  }

  /** How many more bytes the unfinished instruction needs at least, plus a little lookahead. */
  #bytesWanted(): number {
    if (this.#state === IN_VALUE) {
      const known = this.#pos - this.#pendingLength;
      return Math.max(64, this.#charsLeft + known + 16);
    }
    return 64;
  }

  #reservePending(size: number): void {
    if (size <= this.#pending.length) return;
    const capacity = this.#limits.maxInstructionBytes + 1;
    const grown = new Uint8Array(
      Math.min(capacity, Math.max(size, KEPT_PENDING_BYTES, this.#pending.length * 2)),
    );
    grown.set(this.#pending.subarray(0, this.#pendingLength), 0);
    this.#pending = grown;
    this.#pendingWords = wordsOf(grown);
  }

  /**
   * The read ended at an instruction boundary, as guacd's reads do between frames: a pending buffer
   * grown for a long instruction goes, so that an idle connection keeps none. A small one stays;
   * it is what the next short straddle needs anyway.
   */
  #releasePending(): void {
    if (this.#pending.length > KEPT_PENDING_BYTES) {
      this.#pending = EMPTY;
      this.#pendingWords = NO_WORDS;
    }
  }

  /** The unfinished instruction already holds `end - #instStart` bytes and needs at least one more. */
  #checkUnfinished(end: number): void {
    if (end - this.#instStart >= this.#limits.maxInstructionBytes) {
      this.#fail(
        "INSTRUCTION_TOO_LONG",
        `instruction exceeds ${this.#limits.maxInstructionBytes} bytes`,
        end - 1,
      );
    }
  }

  /**
   * Runs the state machine over #buf[#pos..end). Returns the index after the first instruction it
   * completes when `once` is set; otherwise completes as many as the bytes hold. Returns -1 when
   * the bytes ran out inside an instruction (state saved in the fields).
   */
  #scan(end: number, once: boolean): number {
    const buf = this.#buf;
    const limits = this.#limits;
    let pos = this.#pos;
    let state = this.#state;
    for (;;) {
      if (state === IN_LENGTH) {
        // The digits are read in locals, in one tight loop; the fields hold them between reads.
        let length = this.#length;
        let digits = this.#digits;
        let byte = 0;
        while (pos < end) {
          byte = buf[pos]!;
          const digit = byte - DIGIT_0;
          if (digit < 0 || digit > 9) break;
          if (++digits > limits.maxLengthDigits) {
            this.#fail(
              "LENGTH_TOO_LONG",
              `element length has more than ${limits.maxLengthDigits} digits`,
              pos,
            );
          }
          length = length * 10 + digit;
          if (length > limits.maxElementLength) {
            this.#fail(
              "ELEMENT_TOO_LONG",
              `element length exceeds ${limits.maxElementLength} characters`,
              pos,
            );
          }
          pos++;
        }
        this.#length = length;
        this.#digits = digits;
        if (pos >= end) break;
        if (byte !== PERIOD || digits === 0) {
          this.#fail(
            "INVALID_LENGTH",
            byte === PERIOD
              ? "element length is empty"
              : `expected a length digit or ".", found ${describeByte(byte)}`,
            pos,
          );
        }
        pos++;
        this.#valueStart = pos;
        this.#charsLeft = length;
        if (pos - this.#instStart + length + 1 > limits.maxInstructionBytes) {
          this.#pos = pos;
          this.#fail(
            "INSTRUCTION_TOO_LONG",
            `an element of ${length} characters makes the instruction exceed ${limits.maxInstructionBytes} bytes`,
            pos - 1,
          );
        }
        state = IN_VALUE;
      }

      if (state === IN_VALUE) {
        const valueEnd = this.#scanValue(pos, end);
        if (valueEnd < 0) {
          pos = this.#pos;
          break;
        }
        pos = valueEnd;
        state = AT_TERMINATOR;
      }

      // AT_TERMINATOR
      if (pos >= end) break;
      const byte = buf[pos]!;
      if (byte === COMMA) {
        if (++this.#elements >= limits.maxElements) {
          this.#fail(
            "TOO_MANY_ELEMENTS",
            `instruction has more than ${limits.maxElements} elements`,
            pos,
          );
        }
        this.#length = 0;
        this.#digits = 0;
        state = IN_LENGTH;
        pos++;
        continue;
      }
      if (byte !== SEMICOLON) {
        this.#fail(
          "INVALID_TERMINATOR",
          `expected "," or ";" after a value, found ${describeByte(byte)}`,
          pos,
        );
      }
      pos++;
      if (pos - this.#instStart > limits.maxInstructionBytes) {
        this.#fail(
          "INSTRUCTION_TOO_LONG",
          `instruction exceeds ${limits.maxInstructionBytes} bytes`,
          pos - 1,
        );
      }
      this.#complete(pos);
      state = IN_LENGTH;
      if (once) {
        this.#pos = pos;
        this.#state = state;
        return pos;
      }
    }
    this.#pos = pos;
    this.#state = state;
    return -1;
  }

  /**
   * Decodes the whole instructions of an all-ASCII #buf from `start` (an instruction's start) in
   * locals: a value is exactly its length in bytes and a substring of #bufText. Returns the start
   * of the first instruction it could not finish; it stops there, without reporting, at the end of
   * the bytes and at anything unusual (a limit reached, a malformed length or terminator), and the
   * state machine scans that instruction again from its start and reports the fault at its byte.
   */
  #decodeAsciiRun(start: number, end: number): number {
    const buf = this.#buf;
    const text = this.#bufText;
    const limits = this.#limits;
    const maxDigits = limits.maxLengthDigits;
    const maxElementLength = limits.maxElementLength;
    const maxElements = limits.maxElements;
    const maxInstructionBytes = limits.maxInstructionBytes;
    const scratch = this.#scratch;
    const sink = this.#sink as DecodeSink;
    for (;;) {
      let pos = start;
      let elements = 0;
      let opcode = "";
      let argCount = 0;
      for (;;) {
        let length = 0;
        let digits = 0;
        let byte = 0;
        while (pos < end) {
          byte = buf[pos]!;
          const digit = byte - DIGIT_0;
          if (digit < 0 || digit > 9) break;
          length = length * 10 + digit;
          digits++;
          pos++;
        }
        if (byte !== PERIOD || pos >= end || digits === 0 || digits > maxDigits) return start;
        if (length > maxElementLength) return start;
        const valueStart = pos + 1;
        const valueEnd = valueStart + length;
        if (valueEnd >= end || valueEnd + 1 - start > maxInstructionBytes) return start;
        const terminator = buf[valueEnd];
        const value = text.substring(valueStart, valueEnd);
        if (elements === 0) opcode = value;
        else scratch[argCount++] = value;
        pos = valueEnd + 1;
        if (terminator === SEMICOLON) break;
        if (terminator !== COMMA || ++elements >= maxElements) return start;
      }
      this.#instructionEnd = this.#bufStreamOffset + pos;
      sink.instruction(opcode, scratch.slice(0, argCount));
      start = pos;
    }
  }

  /**
   * Finds the end of the value starting at #valueStart whose remaining characters start at `pos`.
   * Returns the index of the byte after the value, or -1 (with #pos/#charsLeft saved) when the
   * bytes run out first. Decodes the value when decoding.
   */
  #scanValue(pos: number, end: number): number {
    const buf = this.#buf;
    const start = this.#valueStart;
    let left = this.#charsLeft;
    // Fast path: an all-ASCII value is exactly `length` bytes, followed by its terminator.
    if (pos === start) {
      const guess = pos + left;
      if (guess < end) {
        const next = buf[guess];
        if (next === COMMA || next === SEMICOLON) {
          if (this.#bufAscii) {
            if (this.#decoding) {
              this.#store(this.#bufText.substring(start, guess));
            }
            return guess;
          }
          if (this.#decoding) {
            const text = this.#decodeFast(start, guess, left);
            if (text !== undefined) {
              this.#store(text);
              return guess;
            }
          } else if (isAsciiSpan(buf, this.#words, start, guess)) {
            return guess;
          }
        }
      }
    }
    // Slow path: count characters guacd's way. Every character but the last is skipped blindly by
    // the size its lead byte declares, as guacd's writer counted it.
    // An ASCII stretch (most of a value that straddles two reads) is skipped a word at a time.
    const run = Math.min(left - 1, end - pos);
    if (run > 0 && isAsciiSpan(buf, this.#words, pos, pos + run)) {
      pos += run;
      left -= run;
    }
    while (left > 1) {
      if (pos >= end) return this.#suspendValue(pos, left);
      pos += GUACD_CHAR_SIZE[buf[pos]!]!;
      left--;
    }
    let valueEnd = pos;
    if (left === 1) {
      if (pos >= end) return this.#suspendValue(pos, left);
      const size = GUACD_CHAR_SIZE[buf[pos]!]!;
      // Which byte follows the last character decides where the value ends; at the end of input
      // there is none, and only a terminator inside the character can end it.
      if (pos + size >= end && !this.#atEnd) return this.#suspendValue(pos, left);
      valueEnd = pos + size;
      const after = valueEnd < end ? buf[valueEnd] : undefined;
      if (after !== COMMA && after !== SEMICOLON) {
        // guacd cut the value inside its last character: the value ends at the first terminator
        // byte the declared size would have swallowed.
        for (let i = pos + 1; i < Math.min(pos + size, end); i++) {
          const byte = buf[i];
          if (byte === COMMA || byte === SEMICOLON) {
            valueEnd = i;
            break;
          }
        }
      }
    }
    if (valueEnd >= end) return this.#suspendValue(pos, left); // only at the end of input
    if (valueEnd - this.#instStart + 1 > this.#limits.maxInstructionBytes) {
      this.#fail(
        "INSTRUCTION_TOO_LONG",
        `instruction exceeds ${this.#limits.maxInstructionBytes} bytes`,
        this.#instStart + this.#limits.maxInstructionBytes,
      );
    }
    if (this.#decoding) this.#store(this.#decodeSlow(start, valueEnd));
    return valueEnd;
  }

  #suspendValue(pos: number, left: number): number {
    this.#pos = pos;
    this.#charsLeft = left;
    return -1;
  }

  /** Decodes an element assumed ASCII; undefined if it was not (then the slow path counts it). */
  #decodeFast(start: number, end: number, length: number): string | undefined {
    if (length <= SHORT_ELEMENT) return this.#decodeShort(start, length);
    let text: string;
    try {
      text = this.#textDecoder!.decode(this.#buf.subarray(start, end));
    } catch {
      return undefined; // strict mode and malformed: the slow path reports it with its offset
    }
    // ASCII iff each byte became one UTF-16 unit and none was malformed (U+FFFD). On a one-byte
    // string V8 answers the indexOf without a scan.
    if (text.length === length && text.indexOf(REPLACEMENT_CHARACTER) === -1) return text;
    return undefined;
  }

  /**
   * Short ASCII elements (opcodes, layer and stream indexes, coordinates) recur constantly: their
   * bytes, packed with the length into one exact number, key a cache of the strings already made,
   * which saves a TextDecoder call per element.
   */
  #decodeShort(start: number, length: number): string | undefined {
    const buf = this.#buf;
    // 3 bits of length, then 7 bits per ASCII byte: at most 45 bits, exact in a double.
    let key = length;
    let scale = 8;
    let high = 0;
    for (let i = start; i < start + length; i++) {
      const byte = buf[i]!;
      high |= byte;
      key += byte * scale;
      scale *= 128;
    }
    if (high >= 0x80) return undefined;
    const cache = this.#shortStrings;
    let text = cache.get(key);
    if (text === undefined) {
      text =
        length === 0
          ? ""
          : String.fromCharCode.apply(
              null,
              buf.subarray(start, start + length) as unknown as number[],
            );
      if (cache.size >= SHORT_CACHE_ENTRIES) cache.clear();
      cache.set(key, text);
    }
    return text;
  }

  #decodeSlow(start: number, end: number): string {
    try {
      return this.#textDecoder!.decode(this.#buf.subarray(start, end));
    } catch (cause) {
      return this.#fail("MALFORMED_UTF8", "value is not valid UTF-8", start, cause);
    }
  }

  #store(text: string): void {
    if (this.#elements === 0) this.#opcode = text;
    else this.#scratch[this.#argCount++] = text;
  }

  #complete(next: number): void {
    this.#instructionEnd = this.#bufStreamOffset + next;
    const sink = this.#sink;
    if (sink.kind === "decode") {
      const args = this.#scratch.slice(0, this.#argCount);
      this.#argCount = 0;
      sink.instruction(this.#opcode, args);
    } else {
      const copied = this.#buf === this.#pending;
      sink.frame(
        this.#buf,
        this.#instStart,
        next,
        copied,
        copied ? this.#pendingAscii : this.#bufAscii,
      );
    }
    this.#instStart = next;
    this.#elements = 0;
    this.#length = 0;
    this.#digits = 0;
  }

  #fail(
    code: GuacamoleProtocolError["code"],
    detail: string,
    index: number,
    cause?: unknown,
  ): never {
    const offset = this.#bufStreamOffset + index;
    throw new GuacamoleProtocolError(
      code,
      `Cannot decode instruction: ${detail} (element ${this.#elements}, byte offset ${offset})`,
      offset,
      this.#elements,
      cause === undefined ? undefined : { cause },
    );
  }
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f
    ? `"${String.fromCharCode(byte)}"`
    : `byte 0x${byte.toString(16).padStart(2, "0")}`;
}
