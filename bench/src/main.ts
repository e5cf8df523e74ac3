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
import { setMaxListeners } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brokerSection } from "./broker-section.ts";
import { ratioChart } from "./chart.ts";
import { codecSection } from "./codec-section.ts";
import { CHUNK_BYTES, corpusDir } from "./corpus.ts";
import { denoSection } from "./deno-section.ts";
import { e2eSection } from "./e2e-section.ts";
import { guacdSection } from "./guacd-section.ts";
import { gcAccounting, type MeasureOptions } from "./measure.ts";
import { openSessions } from "./open-sessions.ts";
import { Progress } from "./progress.ts";
import type { RunContext, Section, SectionContext, SectionResult } from "./section.ts";
import { packageVersion } from "./upstream.ts";

/** The sections, in the order they run; `--section <name,...>` picks some. */
export const SECTIONS: readonly Section[] = [
  codecSection,
  e2eSection,
  denoSection,
  guacdSection,
  brokerSection,
];

/** Against a real guacd, unless `--budget` says otherwise: the whole run's time, in seconds. */
export const REAL_GUACD_BUDGET = { quick: 60, full: 180 } as const;
/** Against a real guacd, unless `--max-sessions` says otherwise. */
export const DEFAULT_MAX_SESSIONS = 16;

export const QUICK: MeasureOptions = { warmup: 2, runs: 5, minSampleMs: 5 };
export const FULL: MeasureOptions = { warmup: 3, runs: 15, minSampleMs: 20 };

interface Cli {
  quick: boolean;
  json: string;
  svg: string;
  filter: string | undefined;
  chunkBytes: number;
  sections: string[] | undefined;
  budgetSeconds: number | undefined;
  maxSessions: number;
  targets: string | undefined;
  simCap: number;
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
    budgetSeconds: undefined,
    maxSessions: DEFAULT_MAX_SESSIONS,
    targets: undefined,
    simCap: 12,
  };
  const positive = (arg: string, text: string): number => {
    const n = Number(text);
    if (!(n > 0) || !Number.isFinite(n)) {
      throw new Error(`Cannot parse arguments: ${arg} needs a positive number`);
    }
    return n;
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
    else if (arg === "--budget") cli.budgetSeconds = positive(arg, value());
    else if (arg === "--max-sessions") cli.maxSessions = Math.floor(positive(arg, value()));
    else if (arg === "--targets") cli.targets = resolve(value());
    else if (arg === "--sim-cap") cli.simCap = Math.floor(positive(arg, value()));
    else if (arg === "--help" || arg === "-h") {
      console.log(
        "usage: npm run bench -- [--quick] [--filter <substring>] [--section codec,e2e,deno,guacd]\n" +
          "                        [--chunk-bytes 65536] [--json <path>] [--svg <path>]\n" +
          "                        [--budget <seconds>] [--max-sessions 16] [--targets <file.json>]\n" +
          "                        [--sim-cap 12]\n" +
          "Against a real guacd (GUACD_HOST or --targets) only the guacd section runs by default,\n" +
          `within ${REAL_GUACD_BUDGET.full} s (--quick: ${REAL_GUACD_BUDGET.quick} s) and ` +
          `${DEFAULT_MAX_SESSIONS} sessions at once.`,
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

/** Ends every open session on Ctrl-C and SIGTERM, then exits (130 / 143). */
function onInterrupt(controller: AbortController, progress: Progress): void {
  let stopping = false;
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      progress.log(`interrupted (${signal}): closing ${openSessions.count} open session(s)`);
      controller.abort();
      void openSessions.closeAll().finally(() => {
        progress.stop();
        process.exit(code);
      });
    });
  }
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const measureOptions = cli.quick ? QUICK : FULL;
  const env = environment(cli.quick);
  const started = performance.now();
  const realGuacd =
    cli.targets !== undefined ||
    (process.env.GUACD_HOST !== undefined && process.env.GUACD_HOST !== "");
  const budgetSeconds =
    cli.budgetSeconds ?? (realGuacd ? REAL_GUACD_BUDGET[cli.quick ? "quick" : "full"] : undefined);
  const deadline =
    budgetSeconds === undefined ? Number.POSITIVE_INFINITY : started + budgetSeconds * 1000;
  const sections = cli.sections ?? (realGuacd ? ["guacd"] : SECTIONS.map((s) => s.name));
  const controller = new AbortController();
  // Every open session and handshake listens to this one signal: many at once are expected.
  setMaxListeners(0, controller.signal);
  const intervalMs = Number(process.env.BENCH_PROGRESS_MS ?? 5000);
  const progress = new Progress({
    tty: process.stdout.isTTY === true,
    intervalMs,
    deadline,
    sessions: () => openSessions.count,
  });
  onInterrupt(controller, progress);
  // Past the budget (plus a grace for closing), every session is ended and the sections stop.
  const overrun = Number.isFinite(deadline)
    ? setTimeout(
        () => {
          progress.log("time budget overrun: closing every open session");
          controller.abort();
          void openSessions.closeAll();
        },
        deadline - started + 10_000,
      )
    : undefined;
  overrun?.unref();
  const log = (line = ""): void => progress.log(line);
  log("# guacstream bench");
  for (const [key, value] of Object.entries(env)) {
    log(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  log(
    `method: chunks of ${cli.chunkBytes} B; ${measureOptions.warmup} warm-up, median of ${measureOptions.runs} ` +
      `samples (>= ${measureOptions.minSampleMs} ms each); MB/s over input bytes`,
  );
  log(
    `bounds: ${budgetSeconds === undefined ? "no time budget (--budget)" : `${budgetSeconds} s time budget`}, ` +
      `at most ${cli.maxSessions} sessions at once against a guacd; sections: ${sections.join(", ")}` +
      (realGuacd && cli.sections === undefined
        ? " (a real guacd: the codec and firehose sections need none; --section adds them)"
        : ""),
  );
  const run: RunContext = {
    deadline,
    maxSessions: cli.maxSessions,
    signal: controller.signal,
    phase: (name) => progress.phase(name),
    addBytes: (bytes) => progress.addBytes(bytes),
    targetsFile: cli.targets,
    simCap: cli.simCap,
    realGuacd,
  };
  const ctx: SectionContext = {
    quick: cli.quick,
    filter: cli.filter,
    measure: measureOptions,
    chunkBytes: cli.chunkBytes,
    log,
    run,
  };
  const results: Record<string, SectionResult & { title: string }> = {};
  try {
    for (const section of SECTIONS) {
      if (!sections.includes(section.name)) continue;
      if (controller.signal.aborted) break;
      log();
      log(`# ${section.title}`);
      progress.phase(section.name);
      results[section.name] = { title: section.title, ...(await section.run(ctx)) };
    }
  } finally {
    clearTimeout(overrun);
    await openSessions.closeAll();
  }
  const seconds = (performance.now() - started) / 1000;
  progress.phase("writing results");
  log();
  log(`done in ${seconds.toFixed(1)} s`);

  const settings = {
    ...measureOptions,
    chunkBytes: cli.chunkBytes,
    budgetSeconds: budgetSeconds ?? null,
    maxSessions: cli.maxSessions,
  };
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
  log(`results: ${cli.json}`);
  log(`chart:   ${cli.svg}`);
  progress.stop();
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  await openSessions.closeAll();
  process.exitCode = 1;
}
