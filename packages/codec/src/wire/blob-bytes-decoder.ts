import { decodeBase64 } from "./_base64.ts";
import { InstructionScanner } from "./_scanner.ts";
import type { InstructionDecoderOptions } from "./decoder.ts";
import type { Instruction } from "./instruction.ts";
import { resolveLimits } from "./limits.ts";

/**
 * A `blob` instruction whose base64 payload was decoded straight from the wire's bytes: `args`
 * holds only the stream index, `bytes` the payload. No string of the payload was ever made.
 */
export interface BlobInstruction {
  /** Always `"blob"`. */
  readonly opcode: "blob";
  /** The stream index, as sent. */
  readonly args: [stream: string];
  /** The payload, decoded from base64. */
  readonly bytes: Uint8Array;
}

/** What a {@linkcode BlobBytesDecoder} reports: an instruction, or a `blob` as bytes. */
export type InstructionOrBlob = Instruction | BlobInstruction;

// "4.blob," — the prefix that marks a frame as a blob instruction.
const BLOB_PREFIX = [0x34, 0x2e, 0x62, 0x6c, 0x6f, 0x62, 0x2c] as const;
const PERIOD = 0x2e;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

/**
 * Decodes instructions as {@linkcode InstructionDecoder} does, except `blob`: its payload comes
 * as the decoded bytes (a {@linkcode BlobInstruction}), taken from the wire's bytes without
 * making a JS string of the base64. For consumers of image, audio or file data, where the
 * string would only be decoded again; everyone else keeps the plain decoder, untouched by this.
 *
 * It frames the input first (the same scanner and limits), then reads each `blob` frame's
 * elements in place and hands every other frame to a plain decoder. Base64 outside the alphabet
 * is skipped, as `Buffer.from(text, "base64")` does.
 *
 * @example A blob's payload as bytes, other instructions as usual
 * ```ts
 * import assert from "node:assert/strict";
 * import { BlobBytesDecoder, type InstructionOrBlob } from "@guacstream/codec";
 *
 * const seen: InstructionOrBlob[] = [];
 * const decoder = new BlobBytesDecoder((instruction) => seen.push(instruction));
 * decoder.push(new TextEncoder().encode("4.blob,1.3,4.AQID;3.end,1.3;"));
 * decoder.finish();
 * assert.deepEqual(seen, [
 *   { opcode: "blob", args: ["3"], bytes: new Uint8Array([1, 2, 3]) },
 *   { opcode: "end", args: ["3"] },
 * ]);
 * ```
 */
export class BlobBytesDecoder {
  readonly #scanner: InstructionScanner;
  readonly #plain: InstructionScanner;
  readonly #onInstruction: (instruction: InstructionOrBlob) => void;
  /** Stream indexes are a handful of short strings: made once each. */
  readonly #streamNames = new Map<number, string>();

  /** A decoder that calls `onInstruction` with each whole instruction, in order. */
  constructor(
    onInstruction: (instruction: InstructionOrBlob) => void,
    options: InstructionDecoderOptions = {},
  ) {
    const limits = resolveLimits(options.limits);
    this.#onInstruction = onInstruction;
    this.#plain = new InstructionScanner(limits, {
      kind: "decode",
      strictUtf8: options.strictUtf8 ?? false,
      instruction: (opcode, args) => onInstruction({ opcode, args }),
    });
    this.#scanner = new InstructionScanner(
      limits,
      {
        kind: "frame",
        frame: (bytes, start, end, _copied, ascii) => {
          if (!this.#blob(bytes, start, end, ascii)) this.#plain.push(bytes.subarray(start, end));
        },
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
   * Reports a `blob,<stream>,<payload>;` frame whose two values are ASCII, reading them in place;
   * false for any other frame (the plain decoder takes it, which also counts non-ASCII the way
   * guacd does).
   */
  #blob(bytes: Uint8Array, start: number, end: number, ascii: boolean): boolean {
    if (end - start < 13) return false; // "4.blob,0.,0.;"
    for (let i = 0; i < BLOB_PREFIX.length; i++) {
      if (bytes[start + i] !== BLOB_PREFIX[i]) return false;
    }
    // The framer has checked the lengths and terminators; only their positions are needed here.
    let at = start + BLOB_PREFIX.length;
    let streamLength = 0;
    while (bytes[at] !== PERIOD) streamLength = streamLength * 10 + bytes[at++]! - 0x30;
    const streamStart = at + 1;
    const streamEnd = streamStart + streamLength;
    if (bytes[streamEnd] !== COMMA) return false;
    at = streamEnd + 1;
    let payloadLength = 0;
    while (at < end && bytes[at] !== PERIOD)
      payloadLength = payloadLength * 10 + bytes[at++]! - 0x30;
    const payloadStart = at + 1;
    // An element counted in characters ends exactly there only if it is ASCII (or the plain
    // decoder must count it).
    if (payloadStart + payloadLength !== end - 1 || bytes[end - 1] !== SEMICOLON) return false;
    let key = streamLength;
    for (let i = streamStart; i < streamEnd; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return false;
      key = key * 128 + byte;
    }
    if (!ascii) {
      for (let i = payloadStart; i < end - 1; i++) if (bytes[i]! >= 0x80) return false;
    }
    // Up to six 7-bit bytes and the length fit a double exactly: the key is the name.
    let stream = streamLength <= 6 ? this.#streamNames.get(key) : undefined;
    if (stream === undefined) {
      stream = String.fromCharCode(...bytes.subarray(streamStart, streamEnd));
      if (streamLength <= 6) {
        if (this.#streamNames.size >= 1024) this.#streamNames.clear();
        this.#streamNames.set(key, stream);
      }
    }
    this.#onInstruction({
      opcode: "blob",
      args: [stream],
      bytes: decodeBase64(bytes, payloadStart, end - 1),
    });
    return true;
  }
}
