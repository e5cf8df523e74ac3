// The codec's types that this package's API names, so its documentation links resolve.
export type { GuacamoleLimits, Instruction } from "@guacstream/codec";
export type { GuacdDuplex, HandshakeOptions } from "@guacstream/codec/client";
export type { BridgeOptions, BridgeResult } from "./bridge.ts";
export { bridgeTunnel } from "./bridge.ts";
export type {
  AcceptTunnelOptions,
  TunnelEvent,
  TunnelInfo,
  TunnelTokenOptions,
} from "./broker.ts";
export { acceptTunnel, openTunnelToken } from "./broker.ts";
export { closeCodeFor } from "./close.ts";
export type { TunnelErrorCode } from "./errors.ts";
export { TunnelError } from "./errors.ts";
export type { FilterResult, ReadOnlyFilterOptions } from "./filters.ts";
export { InstructionFilterStream, readOnlyFilter, VIEWER_OPCODES } from "./filters.ts";
export type { MemoryReplayStoreOptions } from "./memory-replay-store.ts";
export { MemoryReplayStore } from "./memory-replay-store.ts";
export type { TunnelMetricsOptions, TunnelTraffic } from "./metrics.ts";
export { TunnelMetrics } from "./metrics.ts";
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
} from "./pool.ts";
export { GuacdPool } from "./pool.ts";
export type { PoolErrorCode } from "./pool-error.ts";
export { PoolError } from "./pool-error.ts";
export { selectProbe } from "./probe.ts";
export type { Metric, MetricLabels } from "./prometheus.ts";
export { Counter, Gauge, Histogram, MetricsRegistry } from "./prometheus.ts";
export type {
  RecordingTruncation,
  SessionRecorderOptions,
  SessionRecordingMetadata,
} from "./recorder.ts";
export { SessionRecorderStream } from "./recorder.ts";
export type {
  MemorySessionRegistryOptions,
  SessionRecord,
  SessionRegistry,
} from "./registry.ts";
export { MemorySessionRegistry } from "./registry.ts";
export type { ReplayGuardOptions } from "./replay-guard.ts";
export { ReplayGuard } from "./replay-guard.ts";
export type { ReplayClaim, ReplayStore } from "./replay-store.ts";
export type { OwnSession, SessionDirectoryOptions } from "./session-directory.ts";
export { SessionDirectory } from "./session-directory.ts";
export type { BrowserSetting, ConnectionSettings } from "./settings.ts";
export { applyBrowserSettings, BROWSER_SETTINGS, parseConnectionSettings } from "./settings.ts";
export type { OpenedToken, OpenTokenOptions, SealTokenOptions, TokenKey } from "./token.ts";
export { generateTokenSecret, importTokenKey, openToken, sealToken } from "./token.ts";
export type { TunnelLease, TunnelLimiterOptions } from "./tunnel-limiter.ts";
export { TunnelLimiter } from "./tunnel-limiter.ts";
export type { WebSocketEventLike, WebSocketLike } from "./websocket.ts";
export { GUACAMOLE_SUBPROTOCOL } from "./websocket.ts";
