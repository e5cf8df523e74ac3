/** Plain-text tables and number formats for the report. */
import type { TargetStatus } from "./section.ts";

export function fmt(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(digits)}M`;
  if (Math.abs(value) >= 1e4) return `${(value / 1e3).toFixed(digits)}k`;
  return value.toFixed(digits);
}

export function ratio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return `${value.toFixed(2)}x`;
}

/** Columns padded to their widest cell; numbers right-aligned, the first column left-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/** The target and the measured value of one target row, as printed. */
export type TargetCells = (t: TargetStatus) => readonly [target: string, now: string];

/** "At least N x" targets, the usual kind: both as ratios. */
export const ratioTargetCells: TargetCells = (t) => [`>= ${t.target.toFixed(2)}x`, ratio(t.ratio)];

/** The targets table every section ends with: one row per target, met or MISSED. */
export function targetsTable(
  firstHeader: string,
  targets: readonly TargetStatus[],
  cells: TargetCells = ratioTargetCells,
): string {
  return table(
    [firstHeader, "case", "vs", "target", "now", "status"],
    targets.map((t) => [
      t.input,
      t.case,
      t.against,
      ...cells(t),
      (t.met ? "met" : "MISSED") + (t.note === undefined ? "" : ` (${t.note})`),
    ]),
  );
}
