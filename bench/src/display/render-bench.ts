/**
 * Display speed: each corpus recording rendered as fast as possible by @guacstream/display's
 * HeadlessDisplay (in its own Node process, image decoding included) and by guacamole-common-js
 * 1.6 in headless Chromium (timed in the page), in interleaved rounds after warm-up passes; then
 * the 1280×800 desktop replayed at its recorded pace, CPU over wall time. The bench's `display`
 * section (`section.ts`) runs the same measurement; this script is it alone, with more knobs.
 *
 * Method: a pass = decode the wire, apply every instruction, wait until every frame is shown
 * (ours: `settled()`; common-js: `display.flush`). Frames/s = syncs / pass wall time; CPU ms per
 * MB = CPU time of the pass (ours: the child's user+system; Chromium: its whole process tree from
 * /proc) / recording MB. Ratio = common-js wall / ours wall per round (> 1: ours faster), median
 * and range over rounds; the CPU ratio likewise with CPU time. Needs a quiet machine for stable
 * wall-time figures.
 *
 * Run: npx tsx --conditions=@guacstream/source bench/src/display/render-bench.ts
 *        [--rounds 5] [--warmup 3] [--only vnc-desktop] [--no-pace] [--json out.json]
 *        [--wire bytes|strings]   (blob payloads as bytes from the codec, or as base64 strings)
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { listCorpusFiles } from "../harness/corpus.ts";
import { type DisplayRow, displayRecordings, measureDisplay, PACED_RECORDING } from "./measure.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "3" },
    only: { type: "string" },
    "no-pace": { type: "boolean", default: false },
    json: { type: "string" },
    wire: { type: "string", default: "bytes" },
  },
});

const range = (s: { median: number; min: number; max: number } | undefined): string =>
  s === undefined ? "-" : `${s.median.toFixed(2)}x [${s.min.toFixed(2)}..${s.max.toFixed(2)}]`;

function printRow(row: DisplayRow): void {
  const theirs =
    row.commonJs === undefined
      ? "common-js not measured"
      : `common-js ${row.commonJs.fps.toFixed(0).padStart(5)} fps ${row.commonJs.cpuMsPerMb.toFixed(1).padStart(6)} CPU ms/MB`;
  console.log(
    `${row.recording.padEnd(26)} ${row.mb.toFixed(2).padStart(6)} MB ${String(row.frames).padStart(4)} frames | ours ${row.ours.fps.toFixed(0).padStart(5)} fps ${row.ours.cpuMsPerMb.toFixed(1).padStart(6)} CPU ms/MB | ${theirs} | ratio ${range(row.ratio)}, CPU ${range(row.cpuRatio)}` +
      (row.skipped > 0 ? ` (${row.skipped} skipped)` : ""),
  );
}

const result = await measureDisplay({
  recordings: displayRecordings(listCorpusFiles()).filter(
    (f) => values.only === undefined || f.includes(values.only),
  ),
  rounds: Number(values.rounds),
  warmup: Number(values.warmup),
  wire: values.wire === "strings" ? "strings" : "bytes",
  paceSeconds: values["no-pace"] ? undefined : Number.POSITIVE_INFINITY,
  onRow: printRow,
});
if (result.commonJsMissing !== undefined) {
  console.log(`common-js not measured: ${result.commonJsMissing}`);
}
if (result.paced !== undefined) {
  const p = result.paced;
  console.log(
    `${PACED_RECORDING} at recorded pace (1280x800): ${p.cpuMs.toFixed(0)} ms CPU over ${(p.wallMs / 1000).toFixed(1)} s = ${(p.share * 100).toFixed(1)}% of one core (bound 10%)`,
  );
}
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(result, null, 2));
