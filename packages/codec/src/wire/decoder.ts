import { InstructionScanner } from "./_scanner.ts";
import type { Instruction } from "./instruction.ts";
import { type GuacamoleLimits, resolveLimits } from "./limits.ts";

/** Options of {@link InstructionDecoder} and {@link InstructionDecoderStream}. */
export interface InstructionDecoderOptions {
  /**
   * Limits checked as the bytes arrive; unset fields take guacd's values.
   * @default {DEFAULT_LIMITS}
   */
  limits?: Partial<GuacamoleLimits>;
  /**
   * Reject values that are not valid UTF-8 (`MALFORMED_UTF8`) instead of reading malformed bytes
   * as U+FFFD, as `new TextDecoder()` does. Real guacd sends malformed UTF-8 now and then (it cuts
   * terminal titles inside a character), so strict mode can fail a working session.
   * @default {false}
   */
  strictUtf8?: boolean;
  /**
   * The stream offset of the first byte pushed, so error offsets count from the connection's
   * start when earlier bytes were read elsewhere (e.g. by a handshake).
   * @default {0}
   */
  startOffset?: number;
}

/**
 * The runtime-free decoding core: push bytes in any chunking, get whole instructions back through
 * a callback. {@link InstructionDecoderStream} is this as a transform stream.
 *
 * Lengths count characters as guacd's writer does (`guac_utf8_strlen`), which for valid UTF-8 is
 * the number of code points; values become strings as `new TextDecoder()` makes them.
 *
 * @example Decode instructions split at awkward places
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Instruction, InstructionDecoder } from "@guacstream/codec";
 *
 * const seen: Instruction[] = [];
 * const decoder = new InstructionDecoder((instruction) => seen.push(instruction));
 * const bytes = new TextEncoder().encode("4.name,2.🌍;;4.sync,3.1,2;");
 * decoder.push(bytes.subarray(0, 9)); // ends inside the emoji
 * decoder.push(bytes.subarray(9));
 * decoder.finish();
 * assert.deepEqual(seen, [
 *   { opcode: "name", args: ["🌍;"] },
 *   { opcode: "sync", args: ["1,2"] },
 * ]);
 * ```
 */
export class InstructionDecoder {
  readonly #scanner: InstructionScanner;

  /** A decoder that calls `onInstruction` with each whole instruction, in order. */
  constructor(
    onInstruction: (instruction: Instruction) => void,
    options: InstructionDecoderOptions = {},
  ) {
    const limits = resolveLimits(options.limits);
    this.#scanner = new InstructionScanner(
      limits,
      {
        kind: "decode",
        strictUtf8: options.strictUtf8 ?? false,
        instruction: (opcode, args) => onInstruction({ opcode, args }),
      },
      options.startOffset ?? 0,
    );
  }

  /**
   * Decodes a chunk; calls back once per instruction it completes. Throws a
   * `GuacamoleProtocolError` on malformed input, and again on every later call.
   */
  push(chunk: Uint8Array): void {
    this.#scanner.push(chunk);
  }

  /** Ends the input. Throws `GuacamoleProtocolError` (`TRUNCATED`) if it ended mid-instruction. */
  finish(): void {
    this.#scanner.finish();
  }

  /** Bytes of an unfinished instruction held back; never more than `maxInstructionBytes`. */
  get bufferedBytes(): number {
    return this.#scanner.bufferedBytes;
  }

  /**
   * Stream offset just after the last instruction delivered; read inside the callback, the end of
   * the instruction being delivered. Counts from `startOffset`.
   *
   * @example Find where a handshake's `ready` ends inside a chunk
   * ```ts
   * import assert from "node:assert/strict";
   * import { InstructionDecoder } from "@guacstream/codec";
   *
   * const ends: number[] = [];
   * const decoder = new InstructionDecoder(() => ends.push(decoder.instructionEnd), {
   *   startOffset: 100,
   * });
   * decoder.push(new TextEncoder().encode("5.ready,2.$a;4.sync,1.1;"));
   * assert.deepEqual(ends, [113, 124]);
   * ```
   */
  get instructionEnd(): number {
    return this.#scanner.instructionEnd;
  }

  /** Bytes pushed so far. */
  get bytesReceived(): number {
    return this.#scanner.streamLength;
  }
}
