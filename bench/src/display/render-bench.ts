/**
 * Display speed: each corpus recording rendered as fast as possible by @guacstream/display's
 * HeadlessDisplay (in its own Node process, image decoding included) and by guacamole-common-js
 * 1.6 in headless Chromium (timed in the page), in interleaved rounds after warm-up passes; then
 * the 1280×800 desktop replayed at its recorded pace, CPU over wall time.
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
import { type ChildProcess, fork } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { corpusDir, listCorpusFiles } from "../harness/corpus.ts";
import { launch, openPage, treeCpuMs } from "./_common-js.ts";
import type { RenderResult, ToRenderChild } from "./_render-child.ts";

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
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const PACED = "vnc-desktop-20s.s2c.guac";

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

class RenderChild {
  readonly #child: ChildProcess;
  readonly ready: Promise<void>;
  #waiting: ((result: RenderResult) => void) | undefined;

  constructor(file: string) {
    const wire = values.wire === "strings" ? "strings" : "bytes";
    this.#child = fork(
      fileURLToPath(new URL("./_render-child.ts", import.meta.url)),
      [file, wire],
      {
        execArgv: ["--import", "tsx", "--conditions=@guacstream/source"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    this.ready = new Promise((resolve) => {
      this.#child.once("message", () => resolve());
    });
    this.#child.on("message", (message) => {
      if ("wallMs" in (message as object)) this.#waiting?.(message as RenderResult);
    });
  }

  run(kind: "render" | "pace"): Promise<RenderResult> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#child.send({ kind } satisfies ToRenderChild);
    });
  }

  close(): void {
    this.#child.send({ kind: "exit" } satisfies ToRenderChild);
  }
}

/** Our process's direct children that are Chromium: the roots of its process tree. */
function chromiumCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === process.pid && comm.startsWith("chrom")) total += treeCpuMs(Number(entry));
    } catch {
      // gone
    }
  }
  return total;
}

interface Row {
  recording: string;
  mb: number;
  frames: number;
  ours: { fps: number; cpuMsPerMb: number; wallMs: number[] };
  commonJs: { fps: number; cpuMsPerMb: number; wallMs: number[] };
  ratio: { median: number; min: number; max: number };
  cpuRatio: { median: number; min: number; max: number };
}

const rows: Row[] = [];
const browser = await launch();
const files = listCorpusFiles().filter((f) => f.endsWith(".s2c.guac") || f.startsWith("native/"));
for (const name of files.filter((f) => values.only === undefined || f.includes(values.only))) {
  const path = join(corpusDir(), name);
  const bytes = new Uint8Array(readFileSync(path));
  const mb = bytes.length / 1e6;
  const child = new RenderChild(path);
  await child.ready;
  const page = await openPage(browser, bytes);
  for (let i = 0; i < WARMUP; i++) {
    await child.run("render");
    await page.evaluate(() => window.renderRecording());
  }
  const ours: RenderResult[] = [];
  const theirs: { wallMs: number; cpuMs: number; frames: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await child.run("render"));
    const cpu = chromiumCpuMs();
    const result = await page.evaluate(() => window.renderRecording());
    theirs.push({ ...result, cpuMs: chromiumCpuMs() - cpu });
  }
  child.close();
  await page.close();
  const ratios = ours.map((o, i) => (theirs[i]?.wallMs ?? 0) / o.wallMs);
  // CPU time is steadier than wall time on a shared machine: its ratio is printed beside.
  const cpuRatios = ours.map((o, i) => (theirs[i]?.cpuMs ?? 0) / o.cpuMs);
  const frames = ours[0]?.frames ?? 0;
  const row: Row = {
    recording: name,
    mb,
    frames,
    ours: {
      fps: frames / (median(ours.map((o) => o.wallMs)) / 1000),
      cpuMsPerMb: median(ours.map((o) => o.cpuMs)) / mb,
      wallMs: ours.map((o) => o.wallMs),
    },
    commonJs: {
      fps: (theirs[0]?.frames ?? 0) / (median(theirs.map((t) => t.wallMs)) / 1000),
      cpuMsPerMb: median(theirs.map((t) => t.cpuMs)) / mb,
      wallMs: theirs.map((t) => t.wallMs),
    },
    ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
    cpuRatio: {
      median: median(cpuRatios),
      min: Math.min(...cpuRatios),
      max: Math.max(...cpuRatios),
    },
  };
  rows.push(row);
  console.log(
    `${name.padEnd(26)} ${mb.toFixed(2).padStart(6)} MB ${String(frames).padStart(4)} frames | ours ${row.ours.fps.toFixed(0).padStart(5)} fps ${row.ours.cpuMsPerMb.toFixed(1).padStart(6)} CPU ms/MB | common-js ${row.commonJs.fps.toFixed(0).padStart(5)} fps ${row.commonJs.cpuMsPerMb.toFixed(1).padStart(6)} CPU ms/MB | ratio ${row.ratio.median.toFixed(2)}x [${row.ratio.min.toFixed(2)}..${row.ratio.max.toFixed(2)}], CPU ${row.cpuRatio.median.toFixed(2)}x [${row.cpuRatio.min.toFixed(2)}..${row.cpuRatio.max.toFixed(2)}]` +
      (ours.some((o) => o.skipped > 0) ? ` (${ours[0]?.skipped} skipped)` : ""),
  );
}
await browser.close();

let paced: { wallMs: number; cpuMs: number; share: number } | undefined;
if (!values["no-pace"]) {
  const child = new RenderChild(join(corpusDir(), PACED));
  await child.ready;
  await child.run("render"); // warm: WASM compiled, code optimised
  const result = await child.run("pace");
  child.close();
  paced = { wallMs: result.wallMs, cpuMs: result.cpuMs, share: result.cpuMs / result.wallMs };
  console.log(
    `${PACED} at recorded pace (1280x800): ${result.cpuMs.toFixed(0)} ms CPU over ${(result.wallMs / 1000).toFixed(1)} s = ${(paced.share * 100).toFixed(1)}% of one core (bound 10%)`,
  );
}
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ rows, paced }, null, 2));
