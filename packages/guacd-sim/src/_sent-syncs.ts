// The frames a session has sent, by their `sync` timestamps: the newest (a client confirming a
// newer one is fatal to guacd), the client's lag behind them (guacd's throttle), and timestamps for
// frames made live rather than replayed.

import { SyncLag } from "./_sync-lag.ts";
import type { Clock } from "./clock.ts";
import type { SessionReport } from "./report.ts";

/** One session's sent `sync` timestamps. */
export class SentSyncs {
  readonly #clock: Clock;
  readonly #output: SessionReport["output"];
  readonly #lag: SyncLag | undefined;
  #newest = Number.NEGATIVE_INFINITY;
  #lastSentAt = 0;

  /** `trackLag`: keep the unconfirmed frames, for a throttle. */
  constructor(clock: Clock, output: SessionReport["output"], trackLag: boolean) {
    this.#clock = clock;
    this.#output = output;
    this.#lag = trackLag ? new SyncLag() : undefined;
  }

  /** The newest timestamp sent, or -Infinity. */
  get newest(): number {
    return this.#newest;
  }

  /** A `sync` with timestamp `ts` is being sent. */
  sent(ts: number): void {
    if (ts > this.#newest) this.#newest = ts;
    this.#lastSentAt = this.#clock.now();
    this.#lag?.sent(ts, this.#lastSentAt);
    this.#output.syncs++;
    this.#output.lastSync = ts;
  }

  /** The client confirmed `ts`; `false` when it confirms a frame never sent, fatal to guacd. */
  confirmed(ts: number): boolean {
    this.#lag?.confirmed(ts);
    // guacd's own clock starts at connect, so an early small timestamp is not "ahead".
    return ts <= Math.max(this.#newest, 0);
  }

  /** Milliseconds since the oldest frame the client has not confirmed was sent. */
  lagMs(now: number): number {
    return this.#lag?.lagMs(now) ?? 0;
  }

  /** A timestamp for a frame made live (not replayed): after every one sent so far. */
  liveTimestamp(): number {
    const now = this.#clock.now();
    const newest = this.#newest;
    return Number.isFinite(newest) ? Math.max(newest + 1, newest + (now - this.#lastSentAt)) : now;
  }
}
