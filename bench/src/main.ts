/**
 * The bench's entry: parses the command line, runs the chosen sections one after another (each
 * bounded, every session it opens closed, also on Ctrl-C), then writes the results.
 */
import { setMaxListeners } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { brokerSection } from "./broker/section.ts";
import { codecSection } from "./codec/section.ts";
import { denoSection } from "./deno/section.ts";
import { e2eSection } from "./e2e/section.ts";
import { guacdSection } from "./guacd/section.ts";
import { parseCli, REAL_GUACD_BUDGET, USAGE } from "./harness/cli.ts";
import { environment } from "./harness/environment.ts";
import { openSessions } from "./harness/open-sessions.ts";
import { Progress } from "./harness/progress.ts";
import type { RunContext, Section, SectionContext, SectionResult } from "./harness/section.ts";
import { ratioChart } from "./report/ratio-chart.ts";

/** The sections, in the order they run; `--section <name,...>` picks some. */
export const SECTIONS: readonly Section[] = [
  codecSection,
  e2eSection,
  denoSection,
  guacdSection,
  brokerSection,
];

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
  const cli = parseCli(process.argv.slice(2));
  if (cli.help) {
    console.log(USAGE);
    return;
  }
  const quick = cli.mode === "quick";
  const env = environment(cli.mode);
  const started = performance.now();
  const realGuacd =
    cli.targets !== undefined ||
    (process.env.GUACD_HOST !== undefined && process.env.GUACD_HOST !== "");
  const budgetSeconds = cli.budgetSeconds ?? (realGuacd ? REAL_GUACD_BUDGET[cli.mode] : undefined);
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
    quick,
    filter: cli.filter,
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
    mode: cli.mode,
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
