/**
 * The session client over any `{ readable, writable }` byte duplex: the handshake, keep-alive
 * and `sync` answers, input (keyboard, mouse, touch), the display's size, clipboard and file
 * streams, guacd's filesystem objects, protocol versions, and guacd's status codes.
 *
 * Transports (`@guacstream/transport-node`, `@guacstream/transport-deno`) open the socket and
 * hand back a connected `GuacamoleClient`; the wire layer it is built on is the package root.
 *
 * @example Name a status guacd sent
 * ```ts
 * import assert from "node:assert/strict";
 * import { GUACAMOLE_STATUS, GuacamoleStatusError } from "@guacstream/codec/client";
 *
 * const error = GuacamoleStatusError.fromInstruction({ opcode: "error", args: ["Aborted.", "519"] });
 * assert.equal(error.status, GUACAMOLE_STATUS.UPSTREAM_NOT_FOUND);
 * ```
 *
 * @module
 */
export { GuacamoleClient } from "./session/client.ts";
export type {
  GuacamoleClientOptions,
  GuacamoleCloseInfo,
  GuacamoleInboundStream,
  GuacamoleLateAck,
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
export type {
  DroppedCharacter,
  TypeOptions,
  TypeResult,
} from "./session/input/keyboard.ts";
export { GuacamoleKeyboard, TERMINAL_PROTOCOLS } from "./session/input/keyboard.ts";
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
export type { GuacamoleStatus, GuacamoleStatusName } from "./session/status.ts";
export {
  GUACAMOLE_STATUS,
  GUACAMOLE_STATUSES,
  GuacamoleStatusError,
  statusOf,
} from "./session/status.ts";
