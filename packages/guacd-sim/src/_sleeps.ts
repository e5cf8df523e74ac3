// Sleeps on the session's clock that its close cuts short, so a paced replay or a throttled one
// ends as soon as the session does.

import type { Clock } from "./clock.ts";

/** One session's pending sleeps. */
export class Sleeps {
  readonly #clock: Clock;
  readonly #pending = new Set<() => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Resolves after `ms`, or at once when {@linkcode Sleeps.wakeAll} runs first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#clock.clearTimeout(timer);
        this.#pending.delete(wake);
        resolve();
      };
      const timer = this.#clock.setTimeout(wake, ms);
      this.#pending.add(wake);
    });
  }

  /** Ends every pending sleep. */
  wakeAll(): void {
    for (const wake of [...this.#pending]) wake();
  }
}
