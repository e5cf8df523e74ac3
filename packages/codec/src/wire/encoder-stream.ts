import { checkInstruction, elementLength, instructionTooLong } from "./_element.ts";
import type { Instruction } from "./instruction.ts";
import { type GuacamoleLimits, resolveLimits } from "./limits.ts";

const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const PERIOD = 0x2e;
const BATCH_IDLE_HOPS = 12;
const SHORT_VALUE = 32;
/** Hops are promise reactions: Node's queueMicrotask wraps each callback in an async resource. */
const settled = Promise.resolve();

/** Options of {@link InstructionEncoderStream}. */
export interface InstructionEncoderStreamOptions {
  /**
   * Limits every instruction is checked against before it is sent; unset fields take guacd's.
   * @default {DEFAULT_LIMITS}
   */
  limits?: Partial<GuacamoleLimits>;
  /**
   * Gather instructions written back to back into one chunk: the batch goes out once no write has
   * come for a few microtasks, never later than the current task, so it costs no latency.
   * @default {true}
   */
  batch?: boolean;
  /**
   * Send a batch at once when it reaches this many bytes.
   * @default {65536}
   */
  maxBatchBytes?: number;
}

/**
 * Turns instructions into Guacamole bytes (UTF-8, lengths in code points), never reordering them.
 * An instruction that breaks a limit or holds a lone surrogate errors the stream with a
 * `GuacamoleProtocolError` before any of its bytes are sent.
 *
 * @example Encode instructions to bytes
 * ```ts
 * import assert from "node:assert/strict";
 * import { InstructionEncoderStream, instruction } from "@guacstream/codec";
 *
 * const encoder = new InstructionEncoderStream();
 * const writer = encoder.writable.getWriter();
 * void writer.write(instruction("mouse", 10, 20, 1));
 * void writer.write(instruction("key", 65507, 1));
 * void writer.close();
 * const chunks = [];
 * for await (const chunk of encoder.readable) chunks.push(new TextDecoder().decode(chunk));
 * assert.equal(chunks.join(""), "5.mouse,2.10,2.20,1.1;3.key,5.65507,1.1;");
 * ```
 */
export class InstructionEncoderStream extends TransformStream<Instruction, Uint8Array> {
  /** An encoder stream with guacd's limits (or `options.limits`), batching unless told not to. */
  constructor(options: InstructionEncoderStreamOptions = {}) {
    const encoder = new InstructionBytesEncoder(resolveLimits(options.limits));
    const batch = options.batch ?? true;
    const maxBatchBytes = options.maxBatchBytes ?? 65536;
    let controller!: TransformStreamDefaultController<Uint8Array>;
    let scheduled = false;
    // Instructions appended so far, and the count when the pending batch last looked.
    let appended = 0;
    let seen = 0;
    let idleHops = 0;
    const send = (): void => {
      scheduled = false;
      if (encoder.length === 0) return;
      try {
        controller.enqueue(encoder.take());
      } catch {
        // The readable side was cancelled or errored; the stream reports that itself.
      }
    };
    // A writer's next write reaches transform() a couple of microtasks after the previous one, so
    // the batch waits until the writer has been idle for BATCH_IDLE_HOPS microtasks in a row. It
    // never waits for a macrotask (a timer or I/O), so it adds no latency.
    const wait = (): void => {
      if (!scheduled) return;
      if (appended !== seen) {
        seen = appended;
        idleHops = 0;
      }
      if (++idleHops < BATCH_IDLE_HOPS) void settled.then(wait);
      else send();
    };
    super({
      start(c) {
        controller = c;
      },
      transform(instruction) {
        encoder.append(instruction);
        appended++;
        if (!batch || encoder.length >= maxBatchBytes) send();
        else if (!scheduled) {
          scheduled = true;
          seen = appended;
          idleHops = 0;
          void settled.then(wait);
        }
      },
      flush() {
        send();
      },
    });
  }
}

/** Writes `value` in decimal at `at`; returns the number of digits. */
function writeDecimal(buf: Uint8Array, at: number, value: number): number {
  const digits = decimalDigits(value);
  for (let i = at + digits - 1; i >= at; i--) {
    buf[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return digits;
}

function decimalDigits(value: number): number {
  let digits = 1;
  while (value >= 10) {
    value = Math.floor(value / 10);
    digits++;
  }
  return digits;
}

/** Appends encoded instructions to a growable byte buffer. Internal to the encoder stream. */
class InstructionBytesEncoder {
  readonly #limits: GuacamoleLimits;
  readonly #textEncoder = new TextEncoder();
  #buf = new Uint8Array(4096);
  #length = 0;

  constructor(limits: GuacamoleLimits) {
    this.#limits = limits;
  }

  get length(): number {
    return this.#length;
  }

  /** The bytes gathered so far, copied out; the buffer starts over. */
  take(): Uint8Array {
    const bytes = this.#buf.slice(0, this.#length);
    this.#length = 0;
    return bytes;
  }

  append(instruction: Instruction): void {
    const limits = this.#limits;
    checkInstruction(instruction, limits);
    const start = this.#length;
    try {
      this.#element(instruction.opcode, 0);
      const args = instruction.args;
      for (let i = 0; i < args.length; i++) {
        this.#buf[this.#length++] = COMMA;
        this.#element(args[i]!, i + 1);
      }
    } catch (error) {
      this.#length = start;
      throw error;
    }
    this.#buf[this.#length++] = SEMICOLON;
    const size = this.#length - start;
    if (size > limits.maxInstructionBytes) {
      this.#length = start;
      instructionTooLong(instruction.opcode, size, limits);
    }
  }

  #element(value: string, index: number): void {
    // Worst case: 3 bytes per UTF-16 unit, the length digits, "." and the next separator.
    this.#reserve(value.length * 3 + 16);
    const buf = this.#buf;
    const start = this.#length;
    // Assume ASCII, where the length is value.length; encodeInto's byte count tells if it was.
    let digits = writeDecimal(buf, start, value.length);
    buf[start + digits] = PERIOD;
    let at = start + digits + 1;
    let written = 0;
    if (value.length <= SHORT_VALUE) {
      // Short values (numbers, opcodes, keysyms) are copied in JavaScript: cheaper than a call
      // into the native encoder, and exact while every unit is ASCII.
      for (; written < value.length; written++) {
        const unit = value.charCodeAt(written);
        if (unit >= 0x80) break;
        buf[at + written] = unit;
      }
    }
    if (written < value.length) {
      written = this.#textEncoder.encodeInto(value, buf.subarray(at)).written;
    }
    if (written !== value.length) {
      // Not ASCII: count code points (rejecting lone surrogates) and fix the prefix if it changed.
      const length = elementLength(value, index, this.#limits);
      const lengthDigits = decimalDigits(length);
      if (lengthDigits !== digits) {
        buf.copyWithin(start + lengthDigits + 1, at, at + written);
        digits = lengthDigits;
      }
      writeDecimal(buf, start, length);
      buf[start + digits] = PERIOD;
      at = start + digits + 1;
    } else if (value.length > this.#limits.maxElementLength) {
      elementLength(value, index, this.#limits); // throws ELEMENT_TOO_LONG
    }
    this.#length = at + written;
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buf.length) return;
    const grown = new Uint8Array(Math.max(needed, this.#buf.length * 2));
    grown.set(this.#buf.subarray(0, this.#length));
    this.#buf = grown;
  }
}
