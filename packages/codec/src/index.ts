export { GuacamoleClient } from "./session/client.ts";
export type {
  GuacamoleClientOptions,
  GuacamoleCloseInfo,
  GuacamoleInboundStream,
  GuacamoleMessage,
} from "./session/client-options.ts";
export type { DisplaySize } from "./session/display.ts";
export { GuacamoleDisplay } from "./session/display.ts";
export type { ByteSource } from "./session/files/blob-source.ts";
export { blobsOf } from "./session/files/blob-source.ts";
export type {
  FilesystemBody,
  FilesystemReadOptions,
  FilesystemSession,
  FilesystemUploadOptions,
} from "./session/files/filesystem.ts";
export { GuacamoleFilesystem } from "./session/files/filesystem.ts";
export type { GuacamoleFilesystemErrorCode } from "./session/files/filesystem-error.ts";
export { GuacamoleFilesystemError } from "./session/files/filesystem-error.ts";
export type { FilesystemEntry } from "./session/files/stream-index.ts";
export { parseStreamIndex, STREAM_INDEX_MIMETYPE } from "./session/files/stream-index.ts";
export type { GuacdDuplex } from "./session/guacd-duplex.ts";
export type { HandshakeOptions, HandshakeResult } from "./session/handshake.ts";
export type { TypeOptions } from "./session/input/keyboard.ts";
export { GuacamoleKeyboard } from "./session/input/keyboard.ts";
export type { KeyName } from "./session/input/keysyms.ts";
export { isModifierKeysym, KEYSYMS } from "./session/input/keysyms.ts";
export type { MouseState } from "./session/input/mouse.ts";
export { GuacamoleMouse } from "./session/input/mouse.ts";
export type { MouseButton, MouseButtonState } from "./session/input/mouse-buttons.ts";
export { buttonMask, MOUSE_BUTTONS } from "./session/input/mouse-buttons.ts";
export { keysymForCodePoint, textToKeysyms } from "./session/input/text-keysyms.ts";
export type { TouchContact } from "./session/input/touch.ts";
export { GuacamoleTouch } from "./session/input/touch.ts";
export { LiveArguments } from "./session/live-arguments.ts";
export { negotiateVersion, PROTOCOL_VERSIONS, versionAtLeast } from "./session/protocol-version.ts";
export type { GuacamoleStatus } from "./session/status.ts";
export { GUACAMOLE_STATUSES, GuacamoleStatusError, statusOf } from "./session/status.ts";
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
