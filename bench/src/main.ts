/**
 * The bench's entry: parses the command line, runs the chosen sections one after another (each
 * bounded, every session it opens closed, also on Ctrl-C), prints one summary table per section
 * on stdout, and writes the report (JSON, HTML, SVG, every table as text). Progress goes to stderr.
 */
import { setMaxListeners } from "node:events";
import { brokerSection } from "./broker/section.ts";
import { codecSection } from "./codec/section.ts";
import { denoSection } from "./deno/section.ts";
import { displaySection } from "./display/section.ts";
import { e2eSection } from "./e2e/section.ts";
import { guacdSection } from "./guacd/section.ts";
import { configuredTargets } from "./guacd/targets.ts";
import { BenchUsageError, parseCli, REAL_GUACD_BUDGET, USAGE } from "./harness/cli.ts";
import { environment } from "./harness/environment.ts";
import { openSessions } from "./harness/open-sessions.ts";
import { Progress } from "./harness/progress.ts";
import type { RunContext, Section, SectionContext } from "./harness/section.ts";
import type { RunRecord, SectionRecord } from "./report/result.ts";
import { sectionSummary } from "./report/summary.ts";
import { writeReport } from "./report/write.ts";

/** The sections, in the order they run; `--section <name,...>` picks some. */
export const SECTIONS: readonly Section[] = [
  codecSection,
  e2eSection,
  denoSection,
  guacdSection,
  brokerSection,
  displaySection,
];

/**
 * Sections that run only when named (`--section`) or in `--full`: the default and quick runs'
 * stdout and time limits leave no room for them.
 */
export const OPT_IN_SECTIONS: ReadonlySet<string> = new Set(["display"]);

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
      progress.note(`interrupted (${signal}): closing ${openSessions.count} open session(s)`);
      controller.abort();
      void openSessions.closeAll().finally(() => {
        progress.stop();
        process.exit(code);
      });
    });
  }
}

/** Where the run measured: the simulator, or each guacd connection as `name host:port`. */
function targetOf(realGuacd: boolean, targetsFile: string | undefined): string {
  if (!realGuacd) return "simulator";
  const targets = configuredTargets(targetsFile) ?? [];
  return targets.map((t) => `${t.name} ${t.host}:${t.port}`).join(", ");
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  if (cli.help) {
    console.log(USAGE);
    return;
  }
  const env = environment(cli.mode);
  const started = performance.now();
  const realGuacd =
    cli.targets !== undefined ||
    (process.env.GUACD_HOST !== undefined && process.env.GUACD_HOST !== "");
  const budgetSeconds = cli.budgetSeconds ?? (realGuacd ? REAL_GUACD_BUDGET[cli.mode] : undefined);
  const deadline =
    budgetSeconds === undefined ? Number.POSITIVE_INFINITY : started + budgetSeconds * 1000;
  const names =
    cli.sections ??
    (realGuacd
      ? ["guacd"]
      : SECTIONS.map((s) => s.name).filter((n) => cli.mode === "full" || !OPT_IN_SECTIONS.has(n)));
  const unknown = names.filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new BenchUsageError(`no section ${unknown.join(", ")} (--help lists them)`);
  }
  const chosen = SECTIONS.filter((s) => names.includes(s.name));
  const controller = new AbortController();
  // Every open session and handshake listens to this one signal: many at once are expected.
  setMaxListeners(0, controller.signal);
  const progress = new Progress({
    tty: process.stderr.isTTY === true,
    intervalMs: Number(process.env.BENCH_PROGRESS_MS ?? 15_000),
    deadline,
    sessions: () => openSessions.count,
  });
  onInterrupt(controller, progress);
  // Past the budget (plus a grace for closing), every session is ended and the sections stop.
  const overrun = Number.isFinite(deadline)
    ? setTimeout(
        () => {
          progress.note("time budget overrun: closing every open session");
          controller.abort();
          void openSessions.closeAll();
        },
        deadline - started + 10_000,
      )
    : undefined;
  overrun?.unref();

  const details: string[] = [];
  // Stdout holds the results only; the progress stream is stderr.
  const print = (line: string): void => {
    progress.clear();
    process.stdout.write(`${line}\n`);
  };
  const detail = (line = ""): void => {
    details.push(line);
    if (cli.verbose) print(line);
  };
  const target = targetOf(realGuacd, cli.targets);
  const git = typeof env.git === "string" ? env.git : env.git.commit;
  print(
    `guacstream bench, ${cli.mode} run ${target === "simulator" ? "on the guacd simulator" : `against guacd (${target})`}` +
      `: ${chosen.map((s) => s.name).join(", ")}; node ${env.node}, ${env.cpus} CPUs, commit ${git}` +
      (budgetSeconds === undefined ? "" : `, budget ${budgetSeconds} s`),
  );
  for (const [key, value] of Object.entries(env)) {
    detail(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  const run: RunContext = {
    deadline,
    maxSessions: cli.maxSessions,
    signal: controller.signal,
    phase: (name) => progress.step(name),
    addBytes: (bytes) => progress.addBytes(bytes),
    targetsFile: cli.targets,
    simCap: cli.simCap,
    realGuacd,
  };
  const ctx: SectionContext = {
    mode: cli.mode,
    filter: cli.filter,
    chunkBytes: cli.chunkBytes,
    log: detail,
    progress,
    run,
  };
  const sections: Record<string, SectionRecord> = {};
  try {
    for (const [k, section] of chosen.entries()) {
      if (controller.signal.aborted) break;
      const later = chosen.slice(k + 1).reduce((sum, s) => sum + s.estimateSeconds[cli.mode], 0);
      progress.section(
        section.name,
        k + 1,
        chosen.length,
        section.estimateSeconds[cli.mode] * 1000,
        later * 1000,
      );
      detail();
      detail(`# ${section.title}`);
      const result = await section.run(ctx);
      const record: SectionRecord = {
        title: section.title,
        method: result.method,
        ...(result.skipped === undefined ? {} : { skipped: result.skipped }),
        figures: result.figures,
        data: result.data,
      };
      sections[section.name] = record;
      for (const line of sectionSummary(section.name, record)) print(line);
    }
  } finally {
    clearTimeout(overrun);
    await openSessions.closeAll();
  }
  const seconds = (performance.now() - started) / 1000;
  progress.step("writing the report");
  const record: RunRecord = {
    environment: env,
    settings: {
      mode: cli.mode,
      target,
      chunkBytes: cli.chunkBytes,
      budgetSeconds: budgetSeconds ?? null,
      maxSessions: cli.maxSessions,
    },
    seconds,
    sections,
  };
  const files = await writeReport(record, details, { json: cli.json, svg: cli.svg });
  progress.stop();
  // The wall time includes drawing the report; the JSON's `seconds` is the sections' alone.
  const wall = (performance.now() - started) / 1000;
  print(
    `done in ${wall.toFixed(1)} s` +
      (cli.mode === "full" ? "" : ` (${cli.mode}; --full for every case)`) +
      `; report: ${files.html}`,
  );
  print(`json: ${files.json}  svg: ${files.svg}  every table: ${files.text}`);
}

try {
  await main();
} catch (error) {
  // A usage or targets-file mistake is the user's to fix: its message is enough.
  const known =
    error instanceof BenchUsageError || (error as { name?: string }).name === "TargetsError";
  console.error(
    error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : error,
  );
  await openSessions.closeAll();
  process.exitCode = known ? 2 : 1;
}
