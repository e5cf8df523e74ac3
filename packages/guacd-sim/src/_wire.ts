// The simulator's own Guacamole parser and writer. Written apart from @guacstream/codec on purpose:
// the simulator checks the codec, so the two must not share a bug.

import { concat } from "./_bytes.ts";
import { WireError } from "./_wire-error.ts";

/**
 * guacd's parser limits (libguac `GUAC_INSTRUCTION_MAX_*`).
 */
export const WIRE_LIMITS: {
  readonly maxDigits: 5;
  readonly maxElements: 128;
  readonly maxInstructionBytes: 32768;
  readonly maxElementChars: 8192;
} = {
  maxDigits: 5,
  maxElements: 128,
  maxInstructionBytes: 32768,
  maxElementChars: 8192,
};

const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const PERIOD = 0x2e;
const ZERO = 0x30;

const S_LENGTH = 0;
const S_CONTENT = 1;
const S_TERMINATOR = 2;

/** Size in bytes that a lead byte declares, as libguac's `guac_utf8_charsize`: else 1. */
function charSize(b: number): number {
  if ((b | 0x7f) === 0x7f) return 1;
  if ((b | 0x1f) === 0xdf) return 2;
  if ((b | 0x0f) === 0xef) return 3;
  if ((b | 0x07) === 0xf7) return 4;
  return 1;
}

/**
 * Resumable scanner over one growing buffer: finds instruction and element boundaries with guacd's
 * character counting. Positions are indexes into the buffer passed to {@linkcode WireScanner.scan};
 * `base` is the stream offset of index 0, for error offsets.
 */
export class WireScanner {
  /** Start index of each element's value in the current instruction. */
  readonly starts: number[] = [];
  /** End index (exclusive) of each element's value in the current instruction. */
  readonly ends: number[] = [];
  /** Index where the current instruction starts. */
  instructionStart = 0;
  /** Index up to which the buffer has been scanned. */
  position = 0;
  /** Stream offset of buffer index 0. */
  base = 0;
  #state = S_LENGTH;
  #length = 0;
  #digits = 0;
  #left = 0;
  #skip = 0;

  /**
   * Scans `buffer[position, end)`. Returns the index just past the `;` of a complete instruction, or
   * -1 when it needs more bytes (its state is kept). Throws {@linkcode WireError} on malformed input.
   */
  scan(buffer: Uint8Array, end: number): number {
    let i = this.position;
    let state = this.#state;
    let left = this.#left;
    let skip = this.#skip;
    const limit = this.instructionStart + WIRE_LIMITS.maxInstructionBytes;
    const stop = Math.min(end, limit);
    while (i < stop) {
      if (state === S_CONTENT) {
        // Hot loop: count characters; a lead byte's declared size is skipped whole, except that the
        // last character of a value may be cut short by a terminator (guacd writes such values).
        while (i < stop) {
          const b = buffer[i]!;
          if (skip > 0) {
            if (left === 0 && (b === COMMA || b === SEMICOLON)) {
              skip = 0;
              break;
            }
            skip--;
            i++;
            continue;
          }
          if (left === 0) break;
          left--;
          i++;
          if (b >= 0x80) skip = charSize(b) - 1;
        }
        if (left === 0 && skip === 0) {
          this.ends.push(i);
          state = S_TERMINATOR;
        }
        continue;
      }
      const c = buffer[i]!;
      if (state === S_LENGTH) {
        if (c >= ZERO && c <= ZERO + 9) {
          if (++this.#digits > WIRE_LIMITS.maxDigits) {
            throw this.#error("length-too-long", i, "more than 5 length digits");
          }
          this.#length = this.#length * 10 + (c - ZERO);
          i++;
        } else if (c === PERIOD && this.#digits > 0) {
          if (this.#length > WIRE_LIMITS.maxElementChars) {
            throw this.#error("element-too-long", i, `element of ${this.#length} characters`);
          }
          if (this.starts.length >= WIRE_LIMITS.maxElements) {
            throw this.#error("too-many-elements", i, "more than 128 elements");
          }
          i++;
          this.starts.push(i);
          left = this.#length;
          skip = 0;
          if (left === 0) {
            this.ends.push(i);
            state = S_TERMINATOR;
          } else {
            state = S_CONTENT;
          }
        } else {
          throw this.#error("bad-length", i, `byte 0x${c.toString(16)} in a length`);
        }
      } else if (c === COMMA) {
        state = S_LENGTH;
        this.#length = 0;
        this.#digits = 0;
        i++;
      } else if (c === SEMICOLON) {
        i++;
        this.position = i;
        this.#state = S_LENGTH;
        this.#length = 0;
        this.#digits = 0;
        this.#left = 0;
        this.#skip = 0;
        return i;
      } else {
        throw this.#error("bad-terminator", i, `byte 0x${c.toString(16)} after an element`);
      }
    }
    if (i >= limit) {
      throw this.#error("instruction-too-long", i, "instruction longer than 32768 bytes");
    }
    this.position = i;
    this.#state = state;
    this.#left = left;
    this.#skip = skip;
    return -1;
  }

  /** Starts the next instruction at `index` (just past the previous `;`). */
  next(index: number): void {
    this.instructionStart = index;
    this.position = index;
    this.starts.length = 0;
    this.ends.length = 0;
  }

  /** Moves every index down by `delta`, after the buffer's front was dropped. */
  rebase(delta: number): void {
    this.instructionStart -= delta;
    this.position -= delta;
    this.base += delta;
    for (let k = 0; k < this.starts.length; k++) this.starts[k]! -= delta;
    for (let k = 0; k < this.ends.length; k++) this.ends[k]! -= delta;
  }

  #error(code: WireError["code"], index: number, what: string): WireError {
    const offset = this.base + index;
    return new WireError(code, offset, `Cannot parse instruction: ${what} at byte ${offset}`);
  }
}

/**
 * One complete instruction as the simulator's parser read it.
 */
export interface WireInstruction {
  /** The first element, decoded. */
  readonly opcode: string;
  /** Every element after the opcode, decoded (invalid UTF-8 becomes U+FFFD). */
  readonly args: readonly string[];
  /** Every element after the opcode, as the exact bytes received. */
  readonly rawArgs: readonly Uint8Array[];
  /** Size of the whole instruction on the wire, in bytes. */
  readonly byteLength: number;
}

const decoder = new TextDecoder();

/**
 * Incremental instruction parser over byte chunks, with guacd's counting rule and limits. After it
 * throws, the stream is lost: make a new parser.
 */
export class WireParser {
  #buffer = new Uint8Array(1024);
  #length = 0;
  #scanner = new WireScanner();

  /** Bytes held for an instruction not yet complete. */
  get pending(): number {
    return this.#length - this.#scanner.instructionStart;
  }

  /**
   * Feeds bytes; returns the instructions they complete, appended to `out`. Throws
   * {@linkcode WireError}; `out` then still holds the instructions completed before the error.
   */
  push(chunk: Uint8Array, out: WireInstruction[] = []): WireInstruction[] {
    this.#append(chunk);
    const scanner = this.#scanner;
    const buffer = this.#buffer;
    for (;;) {
      const end = scanner.scan(buffer, this.#length);
      if (end < 0) break;
      out.push(build(buffer, scanner, end, true));
      scanner.next(end);
    }
    const keep = scanner.instructionStart;
    if (keep > 0) {
      buffer.copyWithin(0, keep, this.#length);
      this.#length -= keep;
      scanner.rebase(keep);
    }
    return out;
  }

  #append(chunk: Uint8Array): void {
    const need = this.#length + chunk.length;
    if (need > this.#buffer.length) {
      let size = this.#buffer.length * 2;
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = need;
  }
}

function build(buffer: Uint8Array, scanner: WireScanner, end: number, copy: boolean) {
  const { starts, ends } = scanner;
  const opcode = decoder.decode(buffer.subarray(starts[0]!, ends[0]!));
  const args: string[] = [];
  const rawArgs: Uint8Array[] = [];
  for (let k = 1; k < starts.length; k++) {
    const raw = copy ? buffer.slice(starts[k]!, ends[k]!) : buffer.subarray(starts[k]!, ends[k]!);
    rawArgs.push(raw);
    args.push(decoder.decode(raw));
  }
  return { opcode, args, rawArgs, byteLength: end - scanner.instructionStart };
}

/**
 * Parses a complete buffer of instructions without copying (elements are views into `bytes`).
 * Returns the instructions and the count of trailing bytes that do not finish an instruction.
 * Throws {@linkcode WireError} on malformed input.
 */
export function parseAll(bytes: Uint8Array): {
  instructions: WireInstruction[];
  trailing: number;
} {
  const scanner = new WireScanner();
  const instructions: WireInstruction[] = [];
  for (;;) {
    const end = scanner.scan(bytes, bytes.length);
    if (end < 0) break;
    instructions.push(build(bytes, scanner, end, false));
    scanner.next(end);
  }
  return { instructions, trailing: bytes.length - scanner.instructionStart };
}

const encoder = new TextEncoder();

/**
 * Characters in UTF-8 bytes as guacd counts them (`guac_utf8_strlen`).
 */
export function guacLength(bytes: Uint8Array): number {
  let count = 0;
  let skip = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (skip > 0) {
      skip--;
    } else {
      skip = charSize(bytes[i]!) - 1;
      count++;
    }
  }
  return count;
}

/**
 * Encodes one instruction, each element's length counted as guacd counts it.
 */
export function encodeInstruction(
  opcode: string,
  ...args: readonly (string | Uint8Array)[]
): Uint8Array {
  const parts: Uint8Array[] = [];
  const elements = [opcode, ...args];
  for (let k = 0; k < elements.length; k++) {
    const element = elements[k]!;
    const value = typeof element === "string" ? encoder.encode(element) : element;
    const terminator = k === elements.length - 1 ? SEMICOLON : COMMA;
    parts.push(encoder.encode(`${guacLength(value)}.`), value, Uint8Array.of(terminator));
  }
  return concat(...parts);
}
