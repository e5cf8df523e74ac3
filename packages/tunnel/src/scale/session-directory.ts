import type { SessionRecord, SessionRegistry } from "./registry.ts";

/**
 * A session a broker opened, as it hands it to {@link SessionDirectory.add}: its record less the
 * owner, which is the broker.
 */
export type OwnSession = Omit<SessionRecord, "owner">;

/**
 * Options of {@link SessionDirectory}.
 */
export interface SessionDirectoryOptions {
  /**
   * This broker's name in the records it writes (keep it unique per broker process).
   * @default {crypto.randomUUID()}
   */
  readonly owner?: string;
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
  /**
   * Called after each registry call with its duration in seconds and its error, if any (e.g.
   * {@link TunnelMetrics.registryCall}).
   */
  readonly onCall?: (operation: "get" | "put" | "delete", seconds: number, error?: unknown) => void;
}

/**
 * A broker's view of the {@link SessionRegistry}: where to find a connection to join (`lookup`),
 * and the sessions this broker opened, which it records (`add` when one opens, `remove` when it
 * ends) and, between `start` and `stop`, puts again every `interval` so they do not expire (and
 * reappear once a store that was down is back). A registry failure never ends a session: it goes
 * to `onError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionRegistry, SessionDirectory } from "@guacstream/tunnel";
 *
 * const registry = new MemorySessionRegistry();
 * const directory = new SessionDirectory(registry, { owner: "broker-a", ttl: 10_000 });
 * await directory.add({ connectionId: "$a", endpoint: "g1", protocol: "vnc", openedAt: Date.now() });
 * assert.equal((await directory.lookup("$a"))?.owner, "broker-a");
 * await directory.remove("$a");
 * assert.equal(await directory.lookup("$a"), undefined);
 * assert.equal(directory.size, 0);
 * ```
 */
export class SessionDirectory {
  readonly #registry: SessionRegistry;
  readonly #records = new Map<string, SessionRecord>();
  readonly #ttl: number;
  readonly #interval: number;
  readonly #onError: (error: unknown) => void;
  readonly #onCall: SessionDirectoryOptions["onCall"];
  /** This broker's name in the records it writes. */
  readonly owner: string;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** A directory over `registry`; nothing is put until `add`. */
  constructor(registry: SessionRegistry, options: SessionDirectoryOptions = {}) {
    this.#registry = registry;
    this.#ttl = options.ttl ?? 30_000;
    this.#interval = options.interval ?? Math.max(1, Math.floor(this.#ttl / 3));
    this.#onError = options.onError ?? (() => {});
    this.#onCall = options.onCall;
    this.owner = options.owner ?? crypto.randomUUID();
  }

  /** The record of `connectionId` from any broker; rejects when the registry cannot answer. */
  async lookup(connectionId: string): Promise<SessionRecord | undefined> {
    return this.#timed("get", () => this.#registry.get(connectionId));
  }

  /** Records a session that just opened; resolves `false` if the registry failed. */
  async add(session: OwnSession): Promise<boolean> {
    const record: SessionRecord = { ...session, owner: this.owner };
    this.#records.set(record.connectionId, record);
    return this.#put(record);
  }

  /** Forgets a session that ended and removes its record; `false` if the registry failed. */
  async remove(connectionId: string): Promise<boolean> {
    const record = this.#records.get(connectionId);
    if (record === undefined) return true;
    this.#records.delete(connectionId);
    try {
      await this.#timed("delete", () => this.#registry.delete(connectionId, record.owner));
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
      await this.#timed("put", () => this.#registry.put(record, this.#ttl));
      // Ended while the put was on its way: take the late record out again.
      if (this.#records.get(record.connectionId) !== record) {
        await this.#timed("delete", () => this.#registry.delete(record.connectionId, record.owner));
      }
      return true;
    } catch (error) {
      this.#onError(error);
      return false;
    }
  }

  async #timed<T>(operation: "get" | "put" | "delete", call: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      const value = await call();
      this.#onCall?.(operation, (performance.now() - started) / 1000);
      return value;
    } catch (error) {
      this.#onCall?.(operation, (performance.now() - started) / 1000, error);
      throw error;
    }
  }
}
