/**
 * What the bench prints on stdout: one table per section with each headline figure, its target
 * and verdict, then where the report files are. Kept to about 40 lines; every other table is in
 * the report's text file.
 */
import { type Figure, formatTarget, formatValue, verdict } from "../harness/figure.ts";
import { table } from "../harness/format.ts";
import type { SectionRecord } from "./result.ts";

function nowCell(f: Figure): string {
  const value = formatValue(f.value, f.unit);
  if (f.spread === undefined || !Number.isFinite(f.value)) return value;
  const [min, max] = f.spread;
  const digits = f.unit === "x" ? 2 : 1;
  return `${value} [${min.toFixed(digits)}-${max.toFixed(digits)}]`;
}

/** One section's lines: a title with the method, then a table without a rule line. */
export function sectionSummary(name: string, section: SectionRecord): string[] {
  if (section.skipped !== undefined) return [`${name}: skipped (${section.skipped})`];
  const rows = section.figures
    .filter((f) => f.headline === true)
    .map((f) => [
      f.basis === undefined ? f.label : `${f.label} (${f.basis})`,
      nowCell(f),
      formatTarget(f),
      [verdict(f), f.note ?? ""].filter((s) => s !== "").join(" "),
    ]);
  const left = table(
    ["figure", "now", "target"],
    rows.map((r) => r.slice(0, 3)),
  ).split("\n");
  // The rule under the header costs a line per section; the header alone reads as well.
  left.splice(1, 1);
  const width = Math.max(...left.map((l) => l.length));
  // The verdict and its note read left to right, after the figures' aligned columns.
  const lines = left.map((l, k) =>
    `${l.padEnd(width)}  ${k === 0 ? "verdict" : rows[k - 1]![3]}`.trimEnd(),
  );
  return [`${name}: ${section.method}`, ...lines.map((l) => `  ${l}`)];
}
