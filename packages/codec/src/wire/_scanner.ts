import { decodeAsciiRun } from "./_ascii-run.ts";
import { ElementText } from "./_element-text.ts";
import { guacdValueEnd } from "./_guacd-value.ts";
import { AT_TERMINATOR, IN_LENGTH, IN_VALUE, ScanCursor } from "./_scan-cursor.ts";
import type { DecodeSink, ScanSink } from "./_scan-sink.ts";
import { StraddleBuffer, type StraddleHost } from "./_straddle-buffer.ts";
import { isAsciiSpan, wordsOf } from "./_utf8.ts";
import { GuacamoleProtocolError } from "./errors.ts";
import type { GuacamoleLimits } from "./limits.ts";

const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const PERIOD = 0x2e;
const DIGIT_0 = 0x30;

const EMPTY = new Uint8Array(0);
const NO_WORDS = new Int32Array(0);

/**
 * The one state machine behind the decoder and the framer: finds instruction and element
 * boundaries in bytes that arrive in any chunking, counting characters as guacd does.
 *
 * A complete instruction is always scanned in one contiguous buffer: the caller's chunk when it
 * holds the whole instruction (no copy), or the {@link StraddleBuffer}, into which an instruction
 * that straddles chunks is gathered a little at a time (bounded by `maxInstructionBytes`). State
 * survives between buffers ({@link ScanCursor}), so no byte is scanned twice.
 */
export class InstructionScanner {
  readonly #limits: GuacamoleLimits;
  readonly #sink: ScanSink;
  /** Decoding: bytes to text. Framing: undefined, and the hot loop tests just that. */
  readonly #text: ElementText | undefined;
  readonly #pending: StraddleBuffer;
  readonly #straddleHost: StraddleHost;
  readonly #at: ScanCursor;

  // The buffer being scanned and where it sits in the whole stream.
  #buf: Uint8Array = EMPTY;
  #words: Int32Array = NO_WORDS;
  #bufStreamOffset = 0;
  /**
   * Whether every byte of #buf is ASCII (checked once per chunk, natively or a word at a time):
   * then a value is exactly `length` bytes and needs no check of its own.
   */
  #bufAscii = false;

  #streamLength = 0;
  #failed: GuacamoleProtocolError | undefined;

  constructor(limits: GuacamoleLimits, sink: ScanSink, startOffset = 0) {
    this.#limits = limits;
    this.#sink = sink;
    this.#text = sink.kind === "decode" ? new ElementText(sink.strictUtf8 ?? false) : undefined;
    this.#pending = new StraddleBuffer(limits.maxInstructionBytes + 1, sink.kind === "frame");
    this.#straddleHost = {
      scanOnce: (held, streamOffset) => {
        this.#usePending(streamOffset);
        return this.#scan(held, true, false);
      },
      checkUnfinished: (held) => this.#checkUnfinished(held),
    };
    this.#at = new ScanCursor(startOffset);
    this.#streamLength = startOffset;
  }

  /** Stream offset just after the last instruction completed (during a callback: its own). */
  get instructionEnd(): number {
    return this.#at.instructionEnd;
  }

  /** Bytes of an unfinished instruction held back, waiting for the rest of it. */
  get bufferedBytes(): number {
    return this.#pending.length;
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
   * between reads the scanner holds only the straddle buffer, so a connection that idles does
   * not keep its last read alive. Every scan sets #buf again before it starts.
   */
  #releaseChunk(): void {
    this.#buf = EMPTY;
    this.#words = NO_WORDS;
    this.#bufAscii = false;
    this.#text?.releaseChunk();
  }

  /**
   * Declares the end of input: completes an instruction that only the end can complete (a value
   * cut inside its last character, awaiting a byte that will never come), and throws `TRUNCATED`
   * if the input ended inside an instruction.
   */
  finish(): void {
    if (this.#failed !== undefined) throw this.#failed;
    const pending = this.#pending;
    const held = pending.length;
    if (held === 0) return;
    this.#usePending(this.#streamLength - held);
    try {
      this.#scan(held, false, true);
    } catch (error) {
      if (error instanceof GuacamoleProtocolError) this.#failed = error;
      throw error;
    }
    const lost = held - this.#at.instStart;
    if (lost > 0) {
      const start = this.#bufStreamOffset + this.#at.instStart;
      this.#failed = new GuacamoleProtocolError(
        "TRUNCATED",
        `Cannot decode: the input ended inside an instruction; ${lost} bytes of it, from offset ${start}, were lost`,
        start,
        this.#at.elements,
      );
      throw this.#failed;
    }
    pending.clear();
  }

  #push(chunk: Uint8Array): void {
    const chunkOffset = this.#streamLength;
    this.#streamLength += chunk.length;
    let from = 0;
    if (this.#pending.length > 0) {
      from = this.#pending.feed(chunk, this.#streamLength, this.#at, this.#straddleHost);
      this.#buf = EMPTY;
      if (from < 0) return;
    }
    this.#buf = chunk;
    this.#words = wordsOf(chunk);
    this.#bufStreamOffset = chunkOffset;
    const text = this.#text;
    const end = chunk.length;
    // Text indexes must equal byte indexes: decode from 0 even if the straddle took a head.
    this.#bufAscii =
      text === undefined ? isAsciiSpan(chunk, this.#words, from, end) : text.readChunk(chunk);
    const at = this.#at;
    // Decoding an ASCII read, whole instructions go through one tight loop first; the state
    // machine takes over where it stops (the read's last, unfinished instruction, or a fault).
    if (text !== undefined && this.#bufAscii) {
      const sink = this.#sink as DecodeSink;
      from = decodeAsciiRun(text, chunk, from, end, chunkOffset, this.#limits, sink, at);
    }
    at.instStart = from;
    at.pos = from;
    if (this.#scan(end, false, false) >= 0 || at.instStart >= end) {
      this.#pending.release();
      return;
    }
    // Keep the unfinished instruction: positions become relative to its start.
    this.#checkUnfinished(end);
    const start = at.instStart;
    this.#pending.keep(chunk, start, end, this.#bufAscii);
    at.rebase(start);
  }

  /** Scans the straddle buffer next; its first byte is at `streamOffset` in the stream. */
  #usePending(streamOffset: number): void {
    this.#buf = this.#pending.bytes;
    this.#words = this.#pending.words;
    this.#bufAscii = false;
    this.#bufStreamOffset = streamOffset;
  }

  /** The unfinished instruction already holds `end - instStart` bytes and needs at least one more. */
  #checkUnfinished(end: number): void {
    if (end - this.#at.instStart >= this.#limits.maxInstructionBytes) this.#tooLong(end - 1);
  }

  /**
   * Runs the state machine over #buf[pos..end). Returns the index after the first instruction it
   * completes when `once` is set; otherwise completes as many as the bytes hold. Returns -1 when
   * the bytes ran out inside an instruction (state saved in the cursor). `atEnd`: no byte will
   * follow #buf's.
   */
  #scan(end: number, once: boolean, atEnd: boolean): number {
    const buf = this.#buf;
    const limits = this.#limits;
    const at = this.#at;
    let pos = at.pos;
    let state = at.state;
    for (;;) {
      if (state === IN_LENGTH) {
        // The digits are read in locals, in one tight loop; the cursor holds them between reads.
        let length = at.length;
        let digits = at.digits;
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
        at.length = length;
        at.digits = digits;
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
        at.valueStart = pos;
        at.charsLeft = length;
        if (pos - at.instStart + length + 1 > limits.maxInstructionBytes) {
          at.pos = pos;
          this.#fail(
            "INSTRUCTION_TOO_LONG",
            `an element of ${length} characters makes the instruction exceed ${limits.maxInstructionBytes} bytes`,
            pos - 1,
          );
        }
        state = IN_VALUE;
      }

      if (state === IN_VALUE) {
        const valueEnd = this.#scanValue(pos, end, atEnd);
        if (valueEnd < 0) {
          pos = at.pos;
          break;
        }
        pos = valueEnd;
        state = AT_TERMINATOR;
      }

      // AT_TERMINATOR
      if (pos >= end) break;
      const byte = buf[pos]!;
      if (byte === COMMA) {
        if (++at.elements >= limits.maxElements) {
          this.#fail(
            "TOO_MANY_ELEMENTS",
            `instruction has more than ${limits.maxElements} elements`,
            pos,
          );
        }
        at.length = 0;
        at.digits = 0;
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
      if (pos - at.instStart > limits.maxInstructionBytes) this.#tooLong(pos - 1);
      this.#complete(pos);
      state = IN_LENGTH;
      if (once) {
        at.pos = pos;
        at.state = state;
        return pos;
      }
    }
    at.pos = pos;
    at.state = state;
    return -1;
  }

  /**
   * Finds the end of the value starting at valueStart whose remaining characters start at `pos`.
   * Returns the index of the byte after the value, or -1 (with pos/charsLeft saved) when the
   * bytes run out first. Decodes the value when decoding.
   */
  #scanValue(pos: number, end: number, atEnd: boolean): number {
    const buf = this.#buf;
    const at = this.#at;
    const text = this.#text;
    const start = at.valueStart;
    const left = at.charsLeft;
    // Fast path: an all-ASCII value is exactly `length` bytes, followed by its terminator.
    if (pos === start) {
      const guess = pos + left;
      if (guess < end) {
        const next = buf[guess];
        if (next === COMMA || next === SEMICOLON) {
          if (this.#bufAscii) {
            if (text !== undefined) text.add(text.chunkText.substring(start, guess));
            return guess;
          }
          if (text !== undefined) {
            const value = text.decodeAscii(buf, start, guess, left);
            if (value !== undefined) {
              text.add(value);
              return guess;
            }
          } else if (isAsciiSpan(buf, this.#words, start, guess)) {
            return guess;
          }
        }
      }
    }
    const valueEnd = guacdValueEnd(buf, this.#words, pos, end, left, atEnd, at);
    if (valueEnd < 0) return -1;
    const max = this.#limits.maxInstructionBytes;
    if (valueEnd - at.instStart + 1 > max) this.#tooLong(at.instStart + max);
    if (text !== undefined) {
      let value: string;
      try {
        value = text.decode(buf, start, valueEnd);
      } catch (cause) {
        return this.#fail("MALFORMED_UTF8", "value is not valid UTF-8", start, cause);
      }
      text.add(value);
    }
    return valueEnd;
  }

  #complete(next: number): void {
    const at = this.#at;
    const start = at.instStart;
    at.completed(next, this.#bufStreamOffset);
    const sink = this.#sink;
    if (sink.kind === "decode") {
      this.#text!.complete(sink);
    } else {
      const pending = this.#pending;
      const copied = this.#buf === pending.bytes;
      sink.frame(this.#buf, start, next, copied, copied ? pending.ascii : this.#bufAscii);
    }
  }

  #tooLong(index: number): never {
    const max = this.#limits.maxInstructionBytes;
    return this.#fail("INSTRUCTION_TOO_LONG", `instruction exceeds ${max} bytes`, index);
  }

  #fail(
    code: GuacamoleProtocolError["code"],
    detail: string,
    index: number,
    cause?: unknown,
  ): never {
    const offset = this.#bufStreamOffset + index;
    const elements = this.#at.elements;
    throw new GuacamoleProtocolError(
      code,
      `Cannot decode instruction: ${detail} (element ${elements}, byte offset ${offset})`,
      offset,
      elements,
      cause === undefined ? undefined : { cause },
    );
  }
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f
    ? `"${String.fromCharCode(byte)}"`
    : `byte 0x${byte.toString(16).padStart(2, "0")}`;
}
