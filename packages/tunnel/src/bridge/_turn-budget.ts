/**
 * Bytes taken from one browser in one turn of the event loop. A runtime reads a busy socket many
 * times in one turn (libuv up to 32 reads of 64 KiB), so a single flooding tunnel could keep the
 * loop parsing megabytes while every other tunnel waits; past the budget its reading is held
 * until the next turn, so each tunnel gets about the same share of a turn.
 */
export class TurnBudget {
  readonly #budget: number;
  readonly #hold: () => boolean;
  readonly #release: () => void;
  #bytes = 0;
  #held = false;
  #turn: ReturnType<typeof setTimeout> | undefined;

  /** `hold` stops reading (`false` if the socket cannot); `release` lets it read again. */
  constructor(budget: number, hold: () => boolean, release: () => void) {
    this.#budget = budget;
    this.#hold = hold;
    this.#release = release;
  }

  /** Counts a message's bytes; holds the socket once this turn's bytes pass the budget. */
  take(bytes: number): void {
    this.#bytes += bytes;
    if (this.#turn === undefined) {
      // A timer, not a microtask: it runs after the runtime has polled for I/O again.
      this.#turn = setTimeout(() => this.#nextTurn(), 0);
      (this.#turn as { unref?: () => void }).unref?.();
    }
    if (this.#bytes > this.#budget && !this.#held) this.#held = this.#hold();
  }

  /** Cancels the pending turn (the socket closed). */
  stop(): void {
    clearTimeout(this.#turn);
    this.#turn = undefined;
  }

  #nextTurn(): void {
    this.#turn = undefined;
    this.#bytes = 0;
    if (!this.#held) return;
    this.#held = false;
    this.#release();
  }
}
