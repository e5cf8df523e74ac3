import type { SessionRecord, SessionRegistry } from "@guacstream/tunnel";
import { withTimeout } from "./_timeout.ts";
import type { RedisCommander } from "./connection.ts";
import { RedisStoreError } from "./errors.ts";

/**
 * Options of {@link RedisSessionRegistry}.
 */
export interface RedisSessionRegistryOptions {
  /** Prepended to every key (several deployments on one Redis). @default {"guacstream:"} */
  readonly prefix?: string;
  /** Milliseconds a call may take before it counts as a store failure. @default {2000} */
  readonly timeout?: number;
}

// Deletes the record only if its owner is ARGV[1]: a broker never removes another's entry.
const DELETE_IF_OWNER = `local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).owner == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * The session registry on Redis or Valkey, shared by every broker: one key per connection,
 * `<prefix>session:<connection id>`, holding the record as JSON with a `PX` expiry that the
 * owner's heartbeat renews; the entries of a broker that dies expire by themselves. Every call
 * rejects with `RedisStoreError` when Redis cannot answer in `timeout`.
 *
 * @example Against any client with `sendCommand` (here a fake for GET and SET)
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisSessionRegistry } from "@guacstream/tunnel-redis";
 *
 * const keys = new Map<string, string>();
 * const fake = {
 *   sendCommand: async ([command, key, value]: readonly string[]) => {
 *     if (command === "SET") return void keys.set(key!, value!), "OK";
 *     return keys.get(key!) ?? null;
 *   },
 * };
 * const registry = new RedisSessionRegistry(fake);
 * await registry.put({ connectionId: "$a", endpoint: "g2", owner: "b1", protocol: "vnc", openedAt: 0 }, 30_000);
 * assert.equal((await registry.get("$a"))?.endpoint, "g2");
 * assert.equal(await registry.get("$b"), undefined);
 * ```
 */
export class RedisSessionRegistry implements SessionRegistry {
  readonly #redis: RedisCommander;
  readonly #prefix: string;
  readonly #timeout: number;

  /** A registry on `redis` (e.g. {@link connectRedis}). */
  constructor(redis: RedisCommander, options: RedisSessionRegistryOptions = {}) {
    this.#redis = redis;
    this.#prefix = `${options.prefix ?? "guacstream:"}session:`;
    this.#timeout = options.timeout ?? 2000;
  }

  /** Records `record` for `ttl` milliseconds from now. */
  async put(record: SessionRecord, ttl: number): Promise<void> {
    const value = JSON.stringify({
      connectionId: record.connectionId,
      endpoint: record.endpoint,
      owner: record.owner,
      protocol: record.protocol,
      openedAt: record.openedAt,
    });
    const key = this.#prefix + record.connectionId;
    const args = ["SET", key, value, "PX", String(Math.max(1, Math.ceil(ttl)))];
    await withTimeout(this.#redis.sendCommand(args), this.#timeout, "register session");
  }

  /** The record of `connectionId`, or `undefined`. */
  async get(connectionId: string): Promise<SessionRecord | undefined> {
    const reply = await withTimeout(
      this.#redis.sendCommand(["GET", this.#prefix + connectionId]),
      this.#timeout,
      "look up session",
    );
    if (reply === null) return undefined;
    const record = parseRecord(reply);
    if (record === undefined || record.connectionId !== connectionId) {
      throw new RedisStoreError("BAD_REPLY", "Cannot look up session: the entry is not a record");
    }
    return record;
  }

  /** Removes the record of `connectionId` if `owner` owns it (atomically, in a script). */
  async delete(connectionId: string, owner: string): Promise<void> {
    await withTimeout(
      this.#redis.sendCommand(["EVAL", DELETE_IF_OWNER, "1", this.#prefix + connectionId, owner]),
      this.#timeout,
      "remove session",
    );
  }
}

function parseRecord(reply: unknown): SessionRecord | undefined {
  if (typeof reply !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(reply);
  } catch {
    return undefined;
  }
  const r = value as Record<string, unknown> | null;
  if (
    r === null ||
    typeof r !== "object" ||
    typeof r.connectionId !== "string" ||
    typeof r.endpoint !== "string" ||
    typeof r.owner !== "string" ||
    typeof r.protocol !== "string" ||
    typeof r.openedAt !== "number"
  ) {
    return undefined;
  }
  return {
    connectionId: r.connectionId,
    endpoint: r.endpoint,
    owner: r.owner,
    protocol: r.protocol,
    openedAt: r.openedAt,
  };
}
