// The tunnel's types that this package's API names, so its documentation links resolve.
export type {
  ReplayClaim,
  ReplayStore,
  SessionRecord,
  SessionRegistry,
} from "@guacstream/tunnel";
export type { ConnectRedisOptions, RedisCommander, RedisConnection } from "./connection.ts";
export { connectRedis } from "./connection.ts";
export type { RedisStoreErrorCode } from "./errors.ts";
export { RedisStoreError } from "./errors.ts";
export type { RedisReplayStoreOptions } from "./replay-store.ts";
export { RedisReplayStore } from "./replay-store.ts";
export type { RedisSessionRegistryOptions } from "./session-registry.ts";
export { RedisSessionRegistry } from "./session-registry.ts";
