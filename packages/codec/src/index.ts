/**
 * The Guacamole wire layer: the instruction model, streaming decoders, the encoder, framing at
 * instruction boundaries, limits and the typed errors of malformed input. No runtime
 * dependencies and no session state: a broker, a recorder or a proxy that only moves
 * instructions needs nothing else.
 *
 * The session client (handshake, keep-alive, input, files, statuses) is `@guacstream/codec/client`;
 * what transports share is `@guacstream/codec/transport`.
 *
 * @example Decode guacd's bytes as they arrive
 * ```ts
 * import assert from "node:assert/strict";
 * import { InstructionDecoderStream, type Instruction } from "@guacstream/codec";
 *
 * const bytes = new TextEncoder().encode("4.size,1.0,4.1024,3.768;4.sync,");
 * const rest = new TextEncoder().encode("4.1000;");
 * const seen: Instruction[] = [];
 * await ReadableStream.from([bytes, rest])
 *   .pipeThrough(new InstructionDecoderStream())
 *   .pipeTo(new WritableStream({ write: (i) => void seen.push(i) }));
 * assert.deepEqual(seen.map((i) => i.opcode), ["size", "sync"]);
 * ```
 *
 * @module
 */
export { InstructionBatchDecoderStream } from "./wire/batch-decoder-stream.ts";
export type { BlobInstruction, InstructionOrBlob } from "./wire/blob-bytes-decoder.ts";
export { BlobBytesDecoder } from "./wire/blob-bytes-decoder.ts";
export { BlobBytesDecoderStream } from "./wire/blob-bytes-decoder-stream.ts";
export type { InstructionDecoderOptions } from "./wire/decoder.ts";
export { InstructionDecoder } from "./wire/decoder.ts";
export { InstructionDecoderStream } from "./wire/decoder-stream.ts";
export type { InstructionEncoderStreamOptions } from "./wire/encoder-stream.ts";
export { InstructionEncoderStream } from "./wire/encoder-stream.ts";
export type { GuacamoleClientErrorCode, GuacamoleProtocolErrorCode } from "./wire/errors.ts";
export { GuacamoleClientError, GuacamoleProtocolError } from "./wire/errors.ts";
export type { FrameCallback, InstructionFramerOptions } from "./wire/frame.ts";
export { InstructionFramer } from "./wire/frame.ts";
export type { InstructionFrameStreamOptions } from "./wire/frame-stream.ts";
export { InstructionFrameStream } from "./wire/frame-stream.ts";
export type { Instruction } from "./wire/instruction.ts";
export { instruction } from "./wire/instruction.ts";
export type { GuacamoleLimits } from "./wire/limits.ts";
export { DEFAULT_LIMITS, resolveLimits } from "./wire/limits.ts";
export { decodeInstruction, encodeInstruction } from "./wire/text.ts";
