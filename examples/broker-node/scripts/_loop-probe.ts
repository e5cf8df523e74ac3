// Event-loop delay as a 10 ms timer sees it, the same way on Node and Deno (Deno's
// `monitorEventLoopDelay` misses blocked turns): each sample is the time between two ticks of a
// timer armed for `resolution` ms, so an idle loop reads about the resolution itself.

/** Percentiles of the intervals between ticks, in milliseconds. */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
}

/** Percentiles of `intervals` (ms). */
export function loopDelayOf(intervals: readonly number[]): LoopDelay {
  const sorted = [...intervals].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    p50: at(0.5),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? 0,
    samples: sorted.length,
  };
}

/** A timer that records how late each of its ticks comes; `reset` starts a new window. */
export class LoopProbe {
  readonly #resolution: number;
  #samples: number[] = [];
  #last = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(resolution = 10) {
    this.#resolution = resolution;
    this.#arm();
  }

  reset(): void {
    this.#samples = [];
    this.#last = performance.now();
  }

  /** The intervals seen since `reset`, in ms; the tick that has not come yet counts as late as it is. */
  intervals(): number[] {
    return [...this.#samples, performance.now() - this.#last];
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      const now = performance.now();
      this.#samples.push(now - this.#last);
      this.#last = now;
      this.#arm();
    }, this.#resolution);
    // Node: the probe alone must not keep the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }
}
