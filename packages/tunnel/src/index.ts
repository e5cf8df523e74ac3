export type { BridgeOptions, BridgeResult, GuacdByteDuplex } from "./bridge.ts";
export { bridgeTunnel } from "./bridge.ts";
export type { AcceptTunnelOptions, TunnelEvent, TunnelInfo } from "./broker.ts";
export { acceptTunnel } from "./broker.ts";
export { closeCodeFor } from "./close.ts";
export type { TunnelErrorCode } from "./errors.ts";
export { TunnelError } from "./errors.ts";
export type { FilterResult, ReadOnlyFilterOptions } from "./filters.ts";
export { InstructionFilterStream, readOnlyFilter, VIEWER_OPCODES } from "./filters.ts";
export { SessionRecorderStream } from "./recorder.ts";
export type { BrowserSetting, ConnectionSettings } from "./settings.ts";
export { applyBrowserSettings, BROWSER_SETTINGS } from "./settings.ts";
export type {
  OpenedToken,
  OpenTokenOptions,
  ReplayGuardOptions,
  SealTokenOptions,
} from "./token.ts";
export {
  generateTokenSecret,
  importTokenKey,
  openToken,
  ReplayGuard,
  sealToken,
} from "./token.ts";
export type { WebSocketEventLike, WebSocketLike } from "./websocket.ts";
export { GUACAMOLE_SUBPROTOCOL } from "./websocket.ts";
