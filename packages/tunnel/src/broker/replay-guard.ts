import { TunnelError } from "../base/errors.ts";
import { MemoryReplayStore } from "./memory-replay-store.ts";
import type { ReplayClaim, ReplayStore } from "./replay-store.ts";

/**
 * Options of {@link ReplayGuard}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryReplayStore, ReplayGuard } from "@guacstream/tunnel";
 *
 * const guard = new ReplayGuard({ store: new MemoryReplayStore({ maxEntries: 1 }) });
 * assert.equal(await guard.claim("a", 2000, 1000), "claimed");
 * assert.equal(await guard.claim("b", 2000, 1000), "full"); // refused until "a" expires
 * ```
 */
export interface ReplayGuardOptions {
  /**
   * Where used token ids are kept (a shared store lets several brokers refuse each other's
   * tokens).
   * @default {new MemoryReplayStore({ maxEntries })}
   */
  store?: ReplayStore;
  /**
   * Most token ids the default in-memory store remembers (ignored with `store`).
   * @default {100000}
   */
  maxEntries?: number;
}

/**
 * Remembers the ids of the tokens used until they expire, so each token opens one tunnel only.
 * It fails closed: a store that throws, rejects or answers anything but a {@link ReplayClaim}
 * refuses the token (`REPLAY_UNAVAILABLE`), and a full store refuses new tokens (`"full"`, which
 * {@link openToken} reports as `REPLAY_FULL`, a status of its own) instead of forgetting ids that
 * could then be replayed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReplayGuard } from "@guacstream/tunnel";
 *
 * const guard = new ReplayGuard();
 * assert.equal(await guard.claim("a", 2000, 1000), "claimed");
 * assert.equal(await guard.claim("a", 2000, 1500), "replayed");
 * assert.equal(await guard.claim("a", 2000, 2500), "claimed"); // expired and forgotten; openToken refuses it anyway
 * ```
 */
export class ReplayGuard {
  readonly #store: ReplayStore;

  /** A guard over `options.store`, or a fresh in-memory store. */
  constructor(options: ReplayGuardOptions = {}) {
    this.#store =
      options.store ??
      new MemoryReplayStore(
        options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries },
      );
  }

  /** The store in use. */
  get store(): ReplayStore {
    return this.#store;
  }

  /**
   * Claims `id` until `expiresAt`. Throws {@link TunnelError} `REPLAY_UNAVAILABLE` (the store's
   * error as its `cause`) when the store cannot answer.
   */
  async claim(
    id: string,
    expiresAt: number,
    now: number = Date.now(),
    issuedAt?: number,
  ): Promise<ReplayClaim> {
    let answer: unknown;
    try {
      answer = await this.#store.claim(id, expiresAt, now, issuedAt);
    } catch (cause) {
      throw new TunnelError("REPLAY_UNAVAILABLE", "Cannot check token: the replay store failed", {
        cause,
      });
    }
    if (
      answer === "claimed" ||
      answer === "replayed" ||
      answer === "full" ||
      answer === "unverifiable"
    ) {
      return answer;
    }
    throw new TunnelError(
      "REPLAY_UNAVAILABLE",
      `Cannot check token: the replay store answered ${JSON.stringify(String(answer)).slice(0, 40)}`,
    );
  }
}
