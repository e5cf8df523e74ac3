import type { SessionRecord, SessionRegistry } from "./registry.ts";

/**
 * Options of {@link SessionHeartbeat}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SessionHeartbeatOptions } from "@guacstream/tunnel";
 *
 * const options: SessionHeartbeatOptions = { ttl: 30_000, onError: (error) => console.error(error) };
 * assert.equal(options.ttl, 30_000);
 * ```
 */
export interface SessionHeartbeatOptions {
  /**
   * Milliseconds a record outlives its last put: how long the entries of a broker that died
   * linger.
   * @default {30000}
   */
  readonly ttl?: number;
  /** Milliseconds between puts of every live record. @default {ttl / 3} */
  readonly interval?: number;
  /** Called when the registry fails (the sessions themselves go on). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps this broker's sessions in a {@link SessionRegistry}: `add` when a session opens,
 * `remove` when it ends, and, between `start` and `stop`, every live record is put again each
 * `interval` so it does not expire (and reappears once a store that was down is back). A
 * registry failure never ends a session: it goes to `onError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionRegistry, SessionHeartbeat } from "@guacstream/tunnel";
 *
 * const registry = new MemorySessionRegistry();
 * const heartbeat = new SessionHeartbeat(registry, { ttl: 10_000 });
 * await heartbeat.add({ connectionId: "$a", endpoint: "g1", owner: "b1", protocol: "vnc", openedAt: Date.now() });
 * assert.equal(registry.get("$a")?.endpoint, "g1");
 * await heartbeat.remove("$a");
 * assert.equal(registry.get("$a"), undefined);
 * assert.equal(heartbeat.size, 0);
 * ```
 */
export class SessionHeartbeat {
  readonly #registry: SessionRegistry;
  readonly #records = new Map<string, SessionRecord>();
  readonly #ttl: number;
  readonly #interval: number;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Keeps sessions in `registry`; nothing is put until `add`. */
  constructor(registry: SessionRegistry, options: SessionHeartbeatOptions = {}) {
    this.#registry = registry;
    this.#ttl = options.ttl ?? 30_000;
    this.#interval = options.interval ?? Math.max(1, Math.floor(this.#ttl / 3));
    this.#onError = options.onError ?? (() => {});
  }

  /** Records a session that just opened; resolves `false` if the registry failed. */
  async add(record: SessionRecord): Promise<boolean> {
    this.#records.set(record.connectionId, record);
    return this.#put(record);
  }

  /** Forgets a session that ended and removes its record; `false` if the registry failed. */
  async remove(connectionId: string): Promise<boolean> {
    const record = this.#records.get(connectionId);
    if (record === undefined) return true;
    this.#records.delete(connectionId);
    try {
      await this.#registry.delete(connectionId, record.owner);
      return true;
    } catch (error) {
      this.#onError(error);
      return false;
    }
  }

  /** Puts every live record again now (what each beat does). */
  async beat(): Promise<void> {
    await Promise.all([...this.#records.values()].map((record) => this.#put(record)));
  }

  /** Starts beating every `interval`. Idempotent. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.beat(), this.#interval);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops beating and removes every record this broker holds (a graceful shutdown). */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#records.keys()].map((id) => this.remove(id)));
  }

  /** Sessions this broker holds. */
  get size(): number {
    return this.#records.size;
  }

  async #put(record: SessionRecord): Promise<boolean> {
    try {
      await this.#registry.put(record, this.#ttl);
      // Ended while the put was on its way: take the late record out again.
      if (this.#records.get(record.connectionId) !== record) {
        await this.#registry.delete(record.connectionId, record.owner);
      }
      return true;
    } catch (error) {
      this.#onError(error);
      return false;
    }
  }
}
