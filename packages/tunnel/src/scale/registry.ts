/**
 * Where a guacd connection lives: what a {@link SessionRegistry} holds per connection id, so a
 * `join` from any broker reaches the guacd that holds the connection.
 */
export interface SessionRecord {
  /** guacd's connection id (`$…`), what `join` names. */
  readonly connectionId: string;
  /** The pool endpoint id of the guacd that holds it. */
  readonly endpoint: string;
  /** The broker instance that opened it (and keeps the entry alive). */
  readonly owner: string;
  /** The protocol it speaks (`vnc`, `rdp`, …). */
  readonly protocol: string;
  /** When it opened, in milliseconds since the epoch. */
  readonly openedAt: number;
}

/**
 * A store of {@link SessionRecord}s shared by the brokers (in memory for one process:
 * {@link MemorySessionRegistry}; Redis or Valkey: `@guacstream/tunnel-redis`). Entries expire
 * `ttl` ms after they were last put, so the entries of a broker that died without removing them
 * go away; a live broker puts its entries again before then ({@link SessionDirectory}). Every
 * method rejects (or throws) when the store cannot answer.
 *
 * @example A store of your own behind a broker's SessionDirectory (expiry left out)
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SessionRecord, type SessionRegistry, SessionDirectory } from "@guacstream/tunnel";
 *
 * const map = new Map<string, SessionRecord>();
 * const registry: SessionRegistry = {
 *   put: (record) => void map.set(record.connectionId, record),
 *   get: (id) => map.get(id),
 *   delete: (id, owner) => void (map.get(id)?.owner === owner && map.delete(id)),
 * };
 * const broker = new SessionDirectory(registry, { owner: "broker-a" });
 * await broker.add({ connectionId: "$a", endpoint: "g1", protocol: "vnc", openedAt: 0 });
 * assert.equal(map.get("$a")?.owner, "broker-a");
 * assert.equal((await broker.lookup("$a"))?.endpoint, "g1");
 * ```
 */
export interface SessionRegistry {
  /** Records (or records again) `record` for `ttl` milliseconds from now. */
  put(record: SessionRecord, ttl: number): Promise<void> | void;
  /** The record of `connectionId`, or `undefined` if none (or it expired). */
  get(connectionId: string): Promise<SessionRecord | undefined> | SessionRecord | undefined;
  /** Removes the record of `connectionId` if `owner` still owns it. */
  delete(connectionId: string, owner: string): Promise<void> | void;
}

/**
 * Options of {@link MemorySessionRegistry}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionRegistry } from "@guacstream/tunnel";
 *
 * let now = 0;
 * const registry = new MemorySessionRegistry({ now: () => now });
 * registry.put({ connectionId: "$a", endpoint: "g1", owner: "b1", protocol: "vnc", openedAt: 0 }, 1000);
 * now = 1000;
 * assert.equal(registry.get("$a"), undefined);
 * ```
 */
export interface MemorySessionRegistryOptions {
  /**
   * Most records held; past it `put` throws `RangeError` (after dropping expired ones), so memory
   * stays bounded.
   * @default {1000000}
   */
  readonly maxEntries?: number;
  /** The clock, in milliseconds since the epoch (tests). @default {Date.now} */
  readonly now?: () => number;
}

/**
 * The default {@link SessionRegistry}: a map in this process, with expiry. Enough for one broker
 * (joins through the same broker find their guacd); several brokers share one in Redis or Valkey.
 *
 * @example A record expires unless it is put again in time
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemorySessionRegistry } from "@guacstream/tunnel";
 *
 * let now = 0;
 * const registry = new MemorySessionRegistry({ now: () => now });
 * const record = { connectionId: "$a", endpoint: "g1", owner: "b1", protocol: "vnc", openedAt: 0 };
 * registry.put(record, 1000);
 * now = 900;
 * registry.put(record, 1000); // the owner's heartbeat
 * now = 1500;
 * assert.equal(registry.get("$a")?.endpoint, "g1");
 * registry.delete("$a", "someone-else");
 * assert.equal(registry.size, 1);
 * registry.delete("$a", "b1");
 * assert.equal(registry.get("$a"), undefined);
 * ```
 */
export class MemorySessionRegistry implements SessionRegistry {
  readonly #records = new Map<string, { record: SessionRecord; expires: number }>();
  readonly #max: number;
  readonly #now: () => number;

  /** An empty registry. */
  constructor(options: MemorySessionRegistryOptions = {}) {
    this.#max = options.maxEntries ?? 1_000_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records `record` for `ttl` milliseconds from now. */
  put(record: SessionRecord, ttl: number): void {
    const now = this.#now();
    if (!this.#records.has(record.connectionId) && this.#records.size >= this.#max) {
      this.#sweep(now);
      if (this.#records.size >= this.#max) {
        throw new RangeError(`Cannot register session: the registry holds ${this.#max}`);
      }
    }
    this.#records.set(record.connectionId, { record, expires: now + ttl });
  }

  /** The live record of `connectionId`. */
  get(connectionId: string): SessionRecord | undefined {
    const entry = this.#records.get(connectionId);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#now()) {
      this.#records.delete(connectionId);
      return undefined;
    }
    return entry.record;
  }

  /** Removes the record of `connectionId` if `owner` owns it. */
  delete(connectionId: string, owner: string): void {
    if (this.#records.get(connectionId)?.record.owner === owner) this.#records.delete(connectionId);
  }

  /** Records held, expired ones included until they are next looked at or swept. */
  get size(): number {
    return this.#records.size;
  }

  #sweep(now: number): void {
    for (const [id, entry] of this.#records) if (entry.expires <= now) this.#records.delete(id);
  }
}
