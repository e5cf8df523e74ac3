/**
 * Draws the report again from a run's JSON (after changing a chart, or for an older run):
 *   npx tsx bench/src/report/main.ts bench/results/latest.json
 * writes the `.html` and `.svg` beside it; earlier `run-*.json` files there make the trend.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { chartsOf, html, readmeSvg, renderCharts } from "./build.ts";
import type { RunRecord } from "./result.ts";
import { earlierRuns } from "./write.ts";

const path = resolve(process.argv[2] ?? "bench/results/latest.json");
const run = JSON.parse(readFileSync(path, "utf8")) as RunRecord;
const earlier = earlierRuns(dirname(path)).filter((r) => r.environment.date < run.environment.date);
const base = path.replace(/\.json$/, "");
writeFileSync(`${base}.html`, html(run, await renderCharts(chartsOf(run, earlier))));
writeFileSync(`${base}.svg`, await readmeSvg(run));
console.log(`${base}.html\n${base}.svg`);
