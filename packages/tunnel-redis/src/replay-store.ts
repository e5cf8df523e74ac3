import type { ReplayClaim, ReplayStore } from "@guacstream/tunnel";
import { withTimeout } from "./_timeout.ts";
import type { RedisCommander } from "./connection.ts";

/**
 * Options of {@link RedisReplayStore}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RedisReplayStoreOptions } from "@guacstream/tunnel-redis";
 *
 * const options: RedisReplayStoreOptions = { prefix: "prod:", timeout: 250 };
 * assert.equal(options.timeout, 250);
 * ```
 */
export interface RedisReplayStoreOptions {
  /** Prepended to every key (several deployments on one Redis). @default {"guacstream:"} */
  readonly prefix?: string;
  /** Milliseconds a claim may take before it counts as a store failure. @default {2000} */
  readonly timeout?: number;
}

/**
 * The token replay store on Redis or Valkey, shared by every broker: a claim is one atomic
 * `SET <prefix>replay:<id> 1 NX PX <remaining lifetime>`, so of two brokers that see the same
 * token at once exactly one wins, and the key goes away when the token would expire anyway.
 * When Redis cannot answer (down, unreachable, slower than `timeout`) `claim` rejects, and the
 * tunnel's replay guard refuses the token: fail closed.
 *
 * @example Against any client with `sendCommand` (here a fake that keeps keys in a map)
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisReplayStore } from "@guacstream/tunnel-redis";
 *
 * const keys = new Map<string, string>();
 * const fake = {
 *   sendCommand: async ([, key, value]: readonly string[]) => {
 *     if (keys.has(key!)) return null;
 *     keys.set(key!, value!);
 *     return "OK";
 *   },
 * };
 * const store = new RedisReplayStore(fake);
 * assert.equal(await store.claim("token-1", 61_000, 1_000), "claimed");
 * assert.equal(await store.claim("token-1", 61_000, 2_000), "replayed");
 * assert.ok(keys.has("guacstream:replay:token-1"));
 * ```
 */
export class RedisReplayStore implements ReplayStore {
  readonly #redis: RedisCommander;
  readonly #prefix: string;
  readonly #timeout: number;

  /** A store on `redis` (e.g. {@link connectRedis}). */
  constructor(redis: RedisCommander, options: RedisReplayStoreOptions = {}) {
    this.#redis = redis;
    this.#prefix = `${options.prefix ?? "guacstream:"}replay:`;
    this.#timeout = options.timeout ?? 2000;
  }

  /**
   * Claims `id` until `expiresAt` (ms since the epoch): `"claimed"` the first time, `"replayed"`
   * after. Rejects with `RedisStoreError` when Redis cannot answer.
   */
  async claim(id: string, expiresAt: number, now: number): Promise<ReplayClaim> {
    const ttl = Math.ceil(expiresAt - now);
    // An expired token is refused before it gets here; never store a key without expiry.
    if (!(ttl > 0)) return "replayed";
    const reply = await withTimeout(
      this.#redis.sendCommand(["SET", this.#prefix + id, "1", "NX", "PX", String(ttl)]),
      this.#timeout,
      "claim token",
    );
    return reply === null ? "replayed" : "claimed";
  }
}
