/**
 * The broker between guacd and guacamole-common-js's `WebSocketTunnel`, by layer: the bridge
 * ({@linkcode bridgeTunnel}: one browser relayed to one guacd connection), the broker
 * ({@linkcode acceptTunnel}: tokens, settings, caps, replay guard, recorder, then the bridge),
 * scale-out ({@linkcode GuacdPool}, {@linkcode SessionDirectory}: several guacd, several brokers)
 * and {@linkcode TunnelMetrics}. The Prometheus building blocks are in `@guacstream/tunnel/metrics`.
 *
 * @module
 */
// The codec's types that this package's API names, so its documentation links resolve.
export type { GuacamoleLimits, Instruction } from "@guacstream/codec";
export type { GuacdDuplex, HandshakeOptions } from "@guacstream/codec/client";
export { closeCodeFor } from "./base/close.ts";
export type { TunnelErrorCode } from "./base/errors.ts";
export { TunnelError } from "./base/errors.ts";
export type { WebSocketEventLike, WebSocketLike } from "./base/websocket.ts";
export { GUACAMOLE_SUBPROTOCOL } from "./base/websocket.ts";
export { bridgeTunnel } from "./bridge/bridge.ts";
export type { FilterResult, ReadOnlyFilterOptions } from "./bridge/filters.ts";
export { InstructionFilterStream, readOnlyFilter, VIEWER_OPCODES } from "./bridge/filters.ts";
export type { BridgeOptions } from "./bridge/options.ts";
export type { BridgeResult, TunnelTraffic } from "./bridge/result.ts";
export { acceptTunnel } from "./broker/accept-tunnel.ts";
export type { AcceptTunnelOptions } from "./broker/accept-tunnel-options.ts";
export type { MemoryReplayStoreOptions } from "./broker/memory-replay-store.ts";
export { MemoryReplayStore } from "./broker/memory-replay-store.ts";
export type { TunnelTokenOptions } from "./broker/open-tunnel-token.ts";
export { openTunnelToken } from "./broker/open-tunnel-token.ts";
export type {
  RecordingTruncation,
  SessionRecorderOptions,
  SessionRecordingMetadata,
} from "./broker/recorder.ts";
export { SessionRecorderStream } from "./broker/recorder.ts";
export type { ReplayGuardOptions } from "./broker/replay-guard.ts";
export { ReplayGuard } from "./broker/replay-guard.ts";
export type { ReplayClaim, ReplayStore } from "./broker/replay-store.ts";
export type { BrowserSetting, ConnectionSettings } from "./broker/settings.ts";
export {
  applyBrowserSettings,
  BROWSER_SETTINGS,
  parseConnectionSettings,
} from "./broker/settings.ts";
export type { OpenedToken, OpenTokenOptions, SealTokenOptions, TokenKey } from "./broker/token.ts";
export { generateTokenSecret, importTokenKey, openToken, sealToken } from "./broker/token.ts";
export type { TunnelEvent, TunnelInfo } from "./broker/tunnel-event.ts";
export type { TunnelLease, TunnelLimiterOptions } from "./broker/tunnel-limiter.ts";
export { TunnelLimiter } from "./broker/tunnel-limiter.ts";
export type { TunnelMetricsOptions } from "./metrics/tunnel-metrics.ts";
export { TunnelMetrics } from "./metrics/tunnel-metrics.ts";
export { GuacdPool } from "./scale/pool.ts";
export type { PoolErrorCode } from "./scale/pool-error.ts";
export { PoolError } from "./scale/pool-error.ts";
export type {
  EndpointConstraints,
  EndpointState,
  EndpointStateChange,
  EndpointStatus,
  GuacdEndpoint,
  GuacdLease,
  GuacdPoolOptions,
  GuacdProbe,
  HealthCheckOptions,
  PoolStrategy,
  ResolvedEndpoint,
} from "./scale/pool-options.ts";
export { selectProbe } from "./scale/probe.ts";
export type {
  MemorySessionRegistryOptions,
  SessionRecord,
  SessionRegistry,
} from "./scale/registry.ts";
export { MemorySessionRegistry } from "./scale/registry.ts";
export type { OwnSession, SessionDirectoryOptions } from "./scale/session-directory.ts";
export { SessionDirectory } from "./scale/session-directory.ts";
