import type { ReplayClaim, ReplayStore } from "@guacstream/tunnel";
import { withTimeout } from "./_timeout.ts";
import type { RedisCommander } from "./connection.ts";

/**
 * Options of {@link RedisReplayStore}.
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
 * @example Against any client with `sendCommand` (here a fake that runs the claim script on a map)
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisReplayStore } from "@guacstream/tunnel-redis";
 *
 * const keys = new Map<string, string>();
 * const fake = {
 *   // EVAL script 2 epochKey idKey now ttl issuedAt
 *   sendCommand: async ([, , , epochKey, idKey, now, , issuedAt]: readonly string[]) => {
 *     if (!keys.has(epochKey!)) keys.set(epochKey!, now!);
 *     if (issuedAt !== "" && Number(issuedAt) < Number(keys.get(epochKey!))) return "unverifiable";
 *     if (keys.has(idKey!)) return "replayed";
 *     keys.set(idKey!, "1");
 *     return "claimed";
 *   },
 * };
 * const store = new RedisReplayStore(fake);
 * assert.equal(await store.claim("token-1", 61_000, 1_000), "claimed");
 * assert.equal(await store.claim("token-1", 61_000, 2_000), "replayed");
 * assert.equal(await store.claim("token-2", 61_000, 2_000, 500), "unverifiable");
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
   * after. With `issuedAt`, `"unverifiable"` for a token issued before Redis last started empty:
   * the store keeps an epoch key (set on the first claim after an empty start, never expiring),
   * and a token older than it may have been used before Redis lost its keys. One round trip (a
   * script). Rejects with `RedisStoreError` when Redis cannot answer.
   */
  async claim(id: string, expiresAt: number, now: number, issuedAt?: number): Promise<ReplayClaim> {
    const ttl = Math.ceil(expiresAt - now);
    // An expired token is refused before it gets here; never store a key without expiry.
    if (!(ttl > 0)) return "replayed";
    const reply = await withTimeout(
      this.#redis.sendCommand([
        "EVAL",
        CLAIM_SCRIPT,
        "2",
        `${this.#prefix}epoch`,
        this.#prefix + id,
        // Whole seconds, as a JWT's iat: a token issued in the second the epoch began passes.
        String(Math.floor(now / 1000) * 1000),
        String(ttl),
        issuedAt === undefined ? "" : String(Math.floor(issuedAt)),
      ]),
      this.#timeout,
      "claim token",
    );
    if (reply === "claimed" || reply === "replayed" || reply === "unverifiable") return reply;
    throw new Error(`Cannot claim token: Redis answered ${JSON.stringify(reply).slice(0, 40)}`);
  }
}

// KEYS: the epoch key, the id's key. ARGV: now, ttl (ms), issuedAt ("" for none).
const CLAIM_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local epoch = tonumber(redis.call('GET', KEYS[1]))
if ARGV[3] ~= '' and tonumber(ARGV[3]) < epoch then return 'unverifiable' end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return 'claimed' end
return 'replayed'
`;
