/**
 * When a warm-up is over, and the small statistics the isolated harness reports. Pure functions,
 * so the rules are tested without timing anything.
 */

/** When a case counts as warmed up: its last passes vary within a set bound. */
export interface WarmupRule {
  /** Passes the steadiness test looks at (the last N). @default 10 */
  readonly window: number;
  /** Steady once the coefficient of variation of the last `window` passes is below this. @default 0.05 */
  readonly maxCv: number;
  /** Or once this many passes have run, steady or not (a noisy machine may never settle). @default 25 */
  readonly maxPasses: number;
}

/** Steady: CV of the last 10 passes under 5%, or 25 passes. */
export const WARMUP_RULE: WarmupRule = { window: 10, maxCv: 0.05, maxPasses: 25 };

/** The arithmetic mean; NaN when empty. */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/** Standard deviation / mean (sample standard deviation); NaN for fewer than two values. */
export function coefficientOfVariation(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) ** 2;
  return Math.sqrt(squares / (values.length - 1)) / m;
}

/** The coefficient of variation of the last `rule.window` passes, NaN before there are that many. */
export function tailCv(curve: readonly number[], rule: WarmupRule = WARMUP_RULE): number {
  return curve.length < rule.window
    ? Number.NaN
    : coefficientOfVariation(curve.slice(curve.length - rule.window));
}

/** Whether the last `window` passes vary by less than `maxCv`. */
export function isSteady(curve: readonly number[], rule: WarmupRule = WARMUP_RULE): boolean {
  return tailCv(curve, rule) < rule.maxCv;
}

/** Whether warming up stops here: steady, or `maxPasses` reached. */
export function warmupDone(curve: readonly number[], rule: WarmupRule = WARMUP_RULE): boolean {
  return isSteady(curve, rule) || curve.length >= rule.maxPasses;
}

/** The q-quantile (0..1) by linear interpolation between closest ranks; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** The 0.5 quantile. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** A median with the spread around it. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** 25th and 75th percentiles. */
  readonly p25: number;
  readonly p75: number;
  readonly n: number;
}

/** Median, min, max and quartiles of the finite values. */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    median: median(finite),
    min: finite.length === 0 ? Number.NaN : Math.min(...finite),
    max: finite.length === 0 ? Number.NaN : Math.max(...finite),
    p25: quantile(finite, 0.25),
    p75: quantile(finite, 0.75),
    n: finite.length,
  };
}
