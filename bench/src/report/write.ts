/**
 * Writes a run's report: the JSON (and a dated copy beside it, so later runs can draw the trend),
 * the HTML page, the SVG for READMEs and every detailed table as text.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { chartsOf, html, readmeSvg, renderCharts } from "./build.ts";
import type { RunRecord } from "./result.ts";

export interface ReportFiles {
  readonly json: string;
  readonly html: string;
  readonly svg: string;
  readonly text: string;
}

/** Earlier runs' JSON in `dir` (`run-*.json`), oldest first; unreadable files are left out. */
export function earlierRuns(dir: string): RunRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^run-.*\.json$/.test(n));
  } catch {
    return [];
  }
  const runs: RunRecord[] = [];
  for (const name of names.sort()) {
    try {
      const run = JSON.parse(readFileSync(join(dir, name), "utf8")) as RunRecord;
      if (run.environment?.date !== undefined && run.sections !== undefined) runs.push(run);
    } catch {
      // Not a run of this bench's shape: not part of the trend.
    }
  }
  return runs;
}

const sibling = (path: string, ext: string): string =>
  join(dirname(path), `${basename(path).replace(/\.json$/, "")}${ext}`);

export async function writeReport(
  run: RunRecord,
  details: readonly string[],
  paths: { readonly json: string; readonly svg: string },
): Promise<ReportFiles> {
  const dir = dirname(paths.json);
  mkdirSync(dir, { recursive: true });
  mkdirSync(dirname(paths.svg), { recursive: true });
  const earlier = earlierRuns(dir);
  const text = `${JSON.stringify(run, null, 2)}\n`;
  writeFileSync(paths.json, text);
  const stamp = run.environment.date.replace(/[:.]/g, "-");
  writeFileSync(join(dir, `run-${stamp}.json`), text);
  const charts = chartsOf(run, earlier);
  const rendered = await renderCharts(charts);
  const files: ReportFiles = {
    json: paths.json,
    html: sibling(paths.json, ".html"),
    svg: paths.svg,
    text: sibling(paths.json, ".txt"),
  };
  writeFileSync(files.html, html(run, rendered));
  writeFileSync(files.svg, await readmeSvg(run));
  writeFileSync(files.text, `${details.join("\n")}\n`);
  return files;
}
