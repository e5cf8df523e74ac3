import type { ReplayClaim, ReplayStore } from "./replay-store.ts";

/**
 * Options of {@link MemoryReplayStore}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryReplayStore } from "@guacstream/tunnel";
 *
 * const store = new MemoryReplayStore({ maxEntries: 1 });
 * assert.equal(store.claim("a", 2000, 1000), "claimed");
 * assert.equal(store.claim("b", 2000, 1000), "full");
 * assert.equal(store.claim("b", 3000, 2000), "claimed"); // "a" expired and made room
 * ```
 */
export interface MemoryReplayStoreOptions {
  /**
   * Most token ids remembered at once. Each costs about 150 bytes (a 22-character id, a map entry
   * and a heap slot), so the default bounds the store near 15 MB. Past it, claims answer `"full"`
   * until the oldest entries expire.
   * @default {100000}
   */
  maxEntries?: number;
  /**
   * When the store started empty, in milliseconds since the epoch: a token issued before it is
   * `"unverifiable"` (a process that restarted has forgotten the tokens used before).
   * @default {the current second}
   */
  startedAt?: number;
}

/**
 * The default {@link ReplayStore}: a map from token id to expiry for lookups, and a min-heap of
 * expiries so expired ids are forgotten oldest first. A claim costs O(1) for the lookup plus
 * O(log n) per id it forgets (each id is forgotten once), never a scan; memory is bounded by
 * `maxEntries`. One process only: brokers behind a balancer need a shared store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryReplayStore } from "@guacstream/tunnel";
 *
 * const store = new MemoryReplayStore();
 * assert.equal(store.claim("id-1", 61_000, 1000), "claimed");
 * assert.equal(store.claim("id-1", 61_000, 2000), "replayed");
 * assert.equal(store.size, 1);
 * ```
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #expiry = new Map<string, number>();
  // Parallel arrays form the heap: ids[i] expires at times[i].
  readonly #ids: string[] = [];
  readonly #times: number[] = [];
  readonly #max: number;
  readonly #startedAt: number;

  /** An empty store; throws `RangeError` unless `maxEntries` is a positive integer. */
  constructor(options: MemoryReplayStoreOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        "Cannot create MemoryReplayStore: maxEntries must be a positive integer",
      );
    }
    this.#max = max;
    // Whole seconds, as a JWT's `iat`: a token issued in the second the store began passes.
    this.#startedAt = options.startedAt ?? Math.floor(Date.now() / 1000) * 1000;
  }

  /**
   * Claims `id` until `expiresAt`; `"replayed"` if it is remembered, `"full"` at `maxEntries`,
   * `"unverifiable"` if `issuedAt` is before the store started.
   */
  claim(id: string, expiresAt: number, now: number, issuedAt?: number): ReplayClaim {
    if (issuedAt !== undefined && issuedAt < this.#startedAt) return "unverifiable";
    this.#forgetExpired(now);
    if (this.#expiry.has(id)) return "replayed";
    if (this.#expiry.size >= this.#max) return "full";
    this.#expiry.set(id, expiresAt);
    this.#push(id, expiresAt);
    return "claimed";
  }

  /** How many token ids are remembered. */
  get size(): number {
    return this.#expiry.size;
  }

  #forgetExpired(now: number): void {
    while (this.#times.length > 0 && this.#times[0]! <= now) {
      this.#expiry.delete(this.#ids[0]!);
      this.#pop();
    }
  }

  #push(id: string, time: number): void {
    const ids = this.#ids;
    const times = this.#times;
    let i = times.length;
    ids.push(id);
    times.push(time);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= time) break;
      ids[i] = ids[parent]!;
      times[i] = times[parent]!;
      i = parent;
    }
    ids[i] = id;
    times[i] = time;
  }

  #pop(): void {
    const ids = this.#ids;
    const times = this.#times;
    const lastId = ids.pop()!;
    const lastTime = times.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && times[child + 1]! < times[child]!) child++;
      if (times[child]! >= lastTime) break;
      ids[i] = ids[child]!;
      times[i] = times[child]!;
      i = child;
    }
    ids[i] = lastId;
    times[i] = lastTime;
  }
}
