import { GCProfiler, getHeapStatistics } from "node:v8";

/** How hard to measure. */
export interface MeasureOptions {
  /** Untimed runs first, so the JIT has compiled the hot paths. */
  readonly warmup: number;
  /** Timed samples; the median is reported. */
  readonly runs: number;
  /**
   * A sample repeats the run until it lasts at least this long, so a 1 KB input is not timed
   * at the clock's resolution. Times are then divided by the repetitions.
   */
  readonly minSampleMs: number;
}

/** The result of timing one case: per run (a run is one full pass over the input). */
export interface Measurement {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samples: number;
  /** Runs per sample (more than one only for inputs too small to time alone). */
  readonly repsPerSample: number;
  /** Time V8 spent in GC pauses during the timed samples, per run; null where not measurable. */
  readonly gcMsPerRun: number | null;
  /** JS heap allocated per run, estimated from heap use before/after and what each GC freed. */
  readonly heapMBPerRun: number | null;
}

const hasGcProfiler = typeof GCProfiler === "function";

/** Whether `measure` can report GC time and allocation on this runtime. */
export const gcAccounting: string = hasGcProfiler
  ? "v8.GCProfiler (GC pause time; heap allocation = used-heap delta + bytes freed by each GC)"
  : "unavailable on this runtime";

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

async function runReps(fn: () => unknown, reps: number): Promise<void> {
  for (let i = 0; i < reps; i++) {
    const result = fn();
    if (isPromise(result)) await result;
  }
}

interface HeapNumbers {
  usedHeapSize?: number;
  used_heap_size?: number;
}

function usedHeap(stats: HeapNumbers): number {
  return stats.usedHeapSize ?? stats.used_heap_size ?? 0;
}

/**
 * Times `fn` (sync or async): `warmup` untimed runs, a calibration of how many runs make one
 * sample, then `runs` samples, each wrapped in a GC profiler. Reports the median.
 */
export async function measure(fn: () => unknown, options: MeasureOptions): Promise<Measurement> {
  for (let i = 0; i < options.warmup; i++) await runReps(fn, 1);
  // Calibrate: repeat until one sample lasts minSampleMs.
  let reps = 1;
  for (;;) {
    const start = performance.now();
    await runReps(fn, reps);
    const elapsed = performance.now() - start;
    if (elapsed >= options.minSampleMs || reps >= 1 << 16) break;
    reps = Math.min(1 << 16, Math.max(reps * 2, Math.ceil((reps * options.minSampleMs) / elapsed)));
  }
  const times: number[] = [];
  let gcMs = 0;
  let allocated = 0;
  for (let s = 0; s < options.runs; s++) {
    const profiler = hasGcProfiler ? new GCProfiler() : undefined;
    const heapBefore = getHeapStatistics().used_heap_size;
    profiler?.start();
    const start = performance.now();
    await runReps(fn, reps);
    const elapsed = performance.now() - start;
    const profile = profiler?.stop();
    const heapAfter = getHeapStatistics().used_heap_size;
    times.push(elapsed / reps);
    if (profile !== undefined) {
      let freed = 0;
      for (const gc of profile.statistics) {
        gcMs += gc.cost / 1000;
        freed +=
          usedHeap(gc.beforeGC.heapStatistics as HeapNumbers) -
          usedHeap(gc.afterGC.heapStatistics as HeapNumbers);
      }
      allocated += Math.max(0, heapAfter - heapBefore + freed);
    }
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median =
    times.length % 2 === 1 ? times[mid]! : ((times[mid - 1] ?? 0) + (times[mid] ?? 0)) / 2;
  const totalRuns = options.runs * reps;
  return {
    medianMs: median,
    minMs: times[0] ?? Number.NaN,
    maxMs: times[times.length - 1] ?? Number.NaN,
    samples: options.runs,
    repsPerSample: reps,
    gcMsPerRun: hasGcProfiler ? gcMs / totalRuns : null,
    heapMBPerRun: hasGcProfiler ? allocated / totalRuns / 1e6 : null,
  };
}
