export { InstructionBatchDecoderStream } from "./batch-decoder-stream.ts";
export type {
  GuacamoleClientOptions,
  GuacamoleCloseInfo,
  GuacamoleInboundStream,
  GuacamoleMessage,
  GuacdDuplex,
} from "./client.ts";
export { GuacamoleClient } from "./client.ts";
export type { ConnectAttempt, GuacdConnectOptions } from "./connect-attempt.ts";
export { connectAttempt, firstReachable } from "./connect-attempt.ts";
export type {
  ClosableGuacdDuplex,
  ConnectedGuacamoleClient,
  ConnectGuacamoleWithOptions,
} from "./connect-guacamole.ts";
export { connectGuacamoleWith } from "./connect-guacamole.ts";
export type { GuacdConnectionErrorCode, GuacdConnectionErrorInit } from "./connection-error.ts";
export { GuacdConnectionError } from "./connection-error.ts";
export type { InstructionDecoderOptions } from "./decoder.ts";
export { InstructionDecoder } from "./decoder.ts";
export { InstructionDecoderStream } from "./decoder-stream.ts";
export type { InstructionEncoderStreamOptions } from "./encoder-stream.ts";
export { InstructionEncoderStream } from "./encoder-stream.ts";
export type { GuacamoleClientErrorCode, GuacamoleProtocolErrorCode } from "./errors.ts";
export { GuacamoleClientError, GuacamoleProtocolError } from "./errors.ts";
export type { FrameCallback, InstructionFramerOptions } from "./frame.ts";
export { InstructionFramer } from "./frame.ts";
export type { InstructionFrameStreamOptions } from "./frame-stream.ts";
export { InstructionFrameStream } from "./frame-stream.ts";
export type { GuacdConnection } from "./guacd-connection.ts";
export type { HandshakeOptions, HandshakeResult } from "./handshake.ts";
export type { Instruction } from "./instruction.ts";
export { instruction } from "./instruction.ts";
export type { GuacamoleLimits } from "./limits.ts";
export { DEFAULT_LIMITS, resolveLimits } from "./limits.ts";
export { negotiateVersion, PROTOCOL_VERSIONS, versionAtLeast } from "./protocol-version.ts";
export type { GuacamoleStatus } from "./status.ts";
export { GUACAMOLE_STATUSES, GuacamoleStatusError, statusOf } from "./status.ts";
export { decodeInstruction, encodeInstruction } from "./text.ts";
