/**
 * guacstream bench. `npm run bench -- [--quick] [--filter <substring>] [--json <path>] [--svg <path>]`
 *
 * Method. Every input (each session recording in ../shared/corpus, and a seeded synthetic stream of
 * small client-side instructions) is read once and cut into 64 KiB `subarray`s, as TCP reads hand
 * a broker; every parser, ours and the baselines, is fed those same chunks. A run is one full pass
 * from fresh state: a new decoder or stream, and, for the stream cases, a new ReadableStream over
 * the chunk array (one chunk per pull) piped through the TransformStream and drained with a reader.
 * Each case gets `warmup` untimed runs, then `runs` timed samples (a sample repeats the run until it
 * lasts `minSampleMs`, for tiny inputs); we report the median, MB/s = input bytes / median time,
 * instructions/s likewise. Results go through mitata's `do_not_optimize` so no work is elided.
 * GC pause time and JS heap allocated per run come from v8.GCProfiler around each sample (heap
 * only: ArrayBuffer backing stores are not in it). The ratio reference is the faster, in the same
 * run, of the two feeds Node brokers use for upstream's code-point parser (guacamole-lite's
 * vendored Guacamole.Parser): a streaming TextDecoder and node:string_decoder. A hand-written median
 * loop is used rather than mitata's runner because the stream cases are async, take milliseconds,
 * and need per-sample GC accounting; mitata supplies the sink.
 *
 * Sections register below; each prints its tables and returns JSON data, chart bars and target
 * status, which main gathers into one JSON file and one SVG chart.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ratioChart } from "./chart.ts";
import { codecSection } from "./codec-section.ts";
import { CHUNK_BYTES, corpusDir } from "./corpus.ts";
import { denoSection } from "./deno-section.ts";
import { e2eSection } from "./e2e-section.ts";
import { gcAccounting, type MeasureOptions } from "./measure.ts";
import type { Section, SectionContext, SectionResult } from "./section.ts";
import { packageVersion } from "./upstream.ts";

/** The sections, in the order they run; `--section <name,...>` picks some. */
export const SECTIONS: readonly Section[] = [codecSection, e2eSection, denoSection];

export const QUICK: MeasureOptions = { warmup: 2, runs: 5, minSampleMs: 5 };
export const FULL: MeasureOptions = { warmup: 3, runs: 15, minSampleMs: 20 };

interface Cli {
  quick: boolean;
  json: string;
  svg: string;
  filter: string | undefined;
  chunkBytes: number;
  sections: string[] | undefined;
}

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

function parseArgs(argv: readonly string[]): Cli {
  const cli: Cli = {
    quick: false,
    json: resolve(resultsDir, "latest.json"),
    svg: resolve(resultsDir, "latest.svg"),
    filter: undefined,
    chunkBytes: CHUNK_BYTES,
    sections: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`Cannot parse arguments: ${arg} needs a value`);
      return next;
    };
    if (arg === "--quick") cli.quick = true;
    else if (arg === "--json") cli.json = resolve(value());
    else if (arg === "--svg") cli.svg = resolve(value());
    else if (arg === "--filter") cli.filter = value();
    else if (arg === "--chunk-bytes") {
      cli.chunkBytes = Number(value());
      if (!Number.isInteger(cli.chunkBytes) || cli.chunkBytes < 1) {
        throw new Error(`Cannot parse arguments: --chunk-bytes needs a positive integer`);
      }
    } else if (arg === "--section") cli.sections = value().split(",");
    else if (arg === "--help" || arg === "-h") {
      console.log(
        "usage: npm run bench -- [--quick] [--filter <substring>] [--section codec]\n" +
          "                        [--chunk-bytes 65536] [--json <path>] [--svg <path>]",
      );
      process.exit(0);
    } else if (arg !== "--") throw new Error(`Cannot parse arguments: unknown ${arg}`);
  }
  return cli;
}

/** The commit benched and any uncommitted change to the packages, so results can be attributed. */
function gitState(): { commit: string; uncommitted: string[] } | string {
  const cwd = fileURLToPath(new URL("../../", import.meta.url));
  try {
    const git = (...args: string[]): string =>
      execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const commit = git("rev-parse", "--short", "HEAD").trim();
    const uncommitted = git("status", "--porcelain", "--", "packages")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => line.slice(3));
    return { commit, uncommitted };
  } catch {
    return "unknown (not a git checkout)";
  }
}

export function environment(quick: boolean): Record<string, unknown> {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpu[0]?.model ?? "unknown",
    cpus: cpu.length,
    mode: quick ? "quick" : "full",
    git: gitState(),
    gcAccounting,
    corpus: corpusDir(),
    baselines: {
      "guacamole-lite": packageVersion("guacamole-lite"),
      "guacamole-common-js": packageVersion("guacamole-common-js"),
    },
  };
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const measureOptions = cli.quick ? QUICK : FULL;
  const env = environment(cli.quick);
  const started = performance.now();
  console.log("# guacstream bench");
  for (const [key, value] of Object.entries(env)) {
    console.log(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  console.log(
    `method: chunks of ${cli.chunkBytes} B; ${measureOptions.warmup} warm-up, median of ${measureOptions.runs} ` +
      `samples (>= ${measureOptions.minSampleMs} ms each); MB/s over input bytes`,
  );
  const ctx: SectionContext = {
    quick: cli.quick,
    filter: cli.filter,
    measure: measureOptions,
    chunkBytes: cli.chunkBytes,
    log: (line = "") => console.log(line),
  };
  const results: Record<string, SectionResult & { title: string }> = {};
  for (const section of SECTIONS) {
    if (cli.sections !== undefined && !cli.sections.includes(section.name)) continue;
    console.log();
    console.log(`# ${section.title}`);
    results[section.name] = { title: section.title, ...(await section.run(ctx)) };
  }
  const seconds = (performance.now() - started) / 1000;
  console.log();
  console.log(`done in ${seconds.toFixed(1)} s`);

  const settings = { ...measureOptions, chunkBytes: cli.chunkBytes };
  const json = { environment: env, settings, seconds, sections: results };
  mkdirSync(dirname(cli.json), { recursive: true });
  writeFileSync(cli.json, `${JSON.stringify(json, null, 2)}\n`);
  const groups = Object.values(results).flatMap((r) => r.chart);
  mkdirSync(dirname(cli.svg), { recursive: true });
  writeFileSync(
    cli.svg,
    ratioChart(
      `guacstream vs the faster upstream feed (${env.date}, ${env.node}, ${env.mode})`,
      groups,
    ),
  );
  console.log(`results: ${cli.json}`);
  console.log(`chart:   ${cli.svg}`);
}

await main();
