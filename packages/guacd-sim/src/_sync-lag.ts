// How far a client lags behind on `sync`: the age of the oldest frame it has not confirmed yet.
// guacd throttles a client by this (it stops producing frames while the client is behind).

/** Frames sent and not yet confirmed, oldest first (timestamp and when it was sent). */
export class SyncLag {
  readonly #timestamps: number[] = [];
  readonly #sentAt: number[] = [];
  #head = 0;

  /** A `sync` with timestamp `ts` was sent at `now`. */
  sent(ts: number, now: number): void {
    this.#timestamps.push(ts);
    this.#sentAt.push(now);
  }

  /** The client confirmed every frame up to `ts`. */
  confirmed(ts: number): void {
    while (this.#head < this.#timestamps.length && this.#timestamps[this.#head]! <= ts)
      this.#head++;
    // Drop the confirmed prefix once it is most of the arrays, so they stay small.
    if (this.#head > 64 && this.#head * 2 > this.#timestamps.length) {
      this.#timestamps.splice(0, this.#head);
      this.#sentAt.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Milliseconds since the oldest unconfirmed frame was sent; 0 when every frame is confirmed. */
  lagMs(now: number): number {
    return this.#head < this.#sentAt.length ? now - this.#sentAt[this.#head]! : 0;
  }
}
