/**
 * A figure: one number the bench reports, with its unit, spread and target. Sections return their
 * figures; the summary prints the headline ones, the report charts them all and follows the
 * headline ones across runs.
 */

/** A bound a figure is held to: at least (`>=`) or at most (`<=`) `value`. */
export interface Target {
  readonly op: ">=" | "<=";
  readonly value: number;
}

/** Ratios (reference / ours, or ours / a floor) carry this unit; they go on the ratio axis. */
export const RATIO = "x";

export interface Figure {
  /** Stable across runs (the trend joins runs on it): `section/what/case`. */
  readonly id: string;
  /** What the summary and the charts call it. */
  readonly label: string;
  /** Groups figures in a chart (an input, a concurrency, a guacd target). */
  readonly group: string;
  readonly value: number;
  /** `x` for ratios; else ms, fps, MB/s, sessions, KiB, ms/MB … */
  readonly unit: string;
  /** The fastest and slowest round (ratios) or the like. */
  readonly spread?: readonly [min: number, max: number];
  readonly target?: Target;
  /** Printed in the summary and kept across runs for the trend. */
  readonly headline?: boolean;
  /** What the figure is measured on when that is not what a user sees (e.g. `sync` instructions). */
  readonly basis?: string;
  /** A short remark printed after the verdict (a bound, why a figure is missing). */
  readonly note?: string;
}

/** Figures of one unit a section shows on a chart of their own, in this order (`data.views`). */
export interface FigureView {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** The figures' ids. */
  readonly ids: readonly string[];
  /** Each figure's series (by id), which colours its bar, with a legend. */
  readonly series?: Readonly<Record<string, string>>;
}

export type Verdict = "met" | "MISSED" | "";

/**
 * Whether a figure meets its target; empty without a target or a value.
 *
 * @example
 * ```ts
 * import { verdict } from "./figure.ts";
 * const v = verdict({ id: "a", label: "a", group: "g", value: 0.9, unit: "x", target: { op: ">=", value: 1 } });
 * if (v !== "MISSED") throw new Error(v);
 * ```
 */
export function verdict(figure: Figure): Verdict {
  const { target, value } = figure;
  if (target === undefined || !Number.isFinite(value)) return "";
  return (target.op === ">=" ? value >= target.value : value <= target.value) ? "met" : "MISSED";
}

/** A value with its unit, as the summary prints it. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "-";
  if (unit === RATIO) return `${value.toFixed(2)}x`;
  if (Number.isInteger(value) && Math.abs(value) < 1e6) {
    return `${value} ${value === 1 && unit === "sessions" ? "session" : unit}`;
  }
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

/** The target as printed: `>= 1.50x`, `<= 0.35 ms/MB`. */
export function formatTarget(figure: Figure): string {
  if (figure.target === undefined) return "";
  return `${figure.target.op} ${formatValue(figure.target.value, figure.unit)}`;
}
