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
  const lines = table(["figure", "now", "target", "verdict"], rows).split("\n");
  // The rule under the header costs a line per section; the header alone reads as well.
  lines.splice(1, 1);
  return [`${name}: ${section.method}`, ...lines.map((l) => `  ${l}`)];
}
