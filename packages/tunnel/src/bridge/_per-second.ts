/**
 * Events counted in fixed one-second windows, for the browser's rate bounds (messages, and
 * instructions over all messages): a window starts at the first event a second or more after the
 * last window began.
 */
export class PerSecondCount {
  #start = 0;
  #count = 0;

  /** Counts one event at `now` (ms); returns how many the current window holds with it. */
  add(now: number): number {
    if (now - this.#start >= 1000) {
      this.#start = now;
      this.#count = 0;
    }
    return ++this.#count;
  }
}
