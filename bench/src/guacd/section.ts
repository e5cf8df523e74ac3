/**
 * Against a guacd, the numbers an operator wants, per target: handshake latency (p50/p95/p99, one
 * handshake after another), input echo at one session (keys on a terminal, pointer moves on a
 * desktop), and the capacity found by a ramp (1, 2, 4 … up to `--max-sessions`, every session in
 * use, stopping at the first distress a user would feel; see `ramp.ts`) with, per level, time to
 * the first complete frame, frames per second and MB/s per session, the client's CPU per MB and
 * memory per session. Bounded by the run's time budget, split evenly between the targets; every
 * session it opens is closed (disconnect + socket close) before it returns, also when interrupted.
 *
 * Frames here are `sync` instructions: a first frame is the first `sync` after drawing, an echo
 * the first such `sync` after the input. The figures say so (`basis`), in the summary and the JSON.
 *
 * Targets: `--targets FILE`, `GUACD_HOST`…, or the bench's simulator in its guacd-like mode.
 */
import { startSimulatorProcess } from "../e2e/target.ts";
import { table } from "../harness/format.ts";
import type { RunContext, Section, SectionContext, SectionResult } from "../harness/section.ts";
import { curvesOf, figuresOf } from "./figures.ts";
import { seenAtOneSession } from "./one-session.ts";
import { activityOf, type LevelFigures, percentiles, ramp, rampLevels } from "./ramp.ts";
import { SYNC_BASIS, type TargetResult } from "./result.ts";
import { GuacdSession, type SessionTrouble, troubleOf } from "./session.ts";
import { configuredTargets, type GuacdTarget, simulatorTargets } from "./targets.ts";

/** Time kept back at the end of the budget for closing sessions and writing results. */
const RESERVE_MS = 3000;
/** Time a ramp level needs beyond its hold: opening, first frames, closing. */
const LEVEL_OVERHEAD_MS = 1500;
const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : "-");
const num = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : "-");

/** Parameters as printed: secrets left out. */
function shown(parameters: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(parameters).map(([k, v]) => [k, /password|passphrase|key/i.test(k) ? "…" : v]),
    ),
  );
}

function defaultRun(): RunContext {
  return {
    deadline: Number.POSITIVE_INFINITY,
    maxSessions: 16,
    signal: new AbortController().signal,
    phase: () => {},
    addBytes: () => {},
    targetsFile: undefined,
    simCap: 12,
    realGuacd: false,
  };
}

function levelRow(l: LevelFigures, verdict: string | undefined): string[] {
  return [
    String(l.sessions),
    String(l.opened),
    ms(l.handshakeMs.p50),
    ms(l.handshakeMs.p99),
    ms(l.firstFrameMs.p50),
    ms(l.firstFrameMs.p99),
    ms(l.inputMs.p50),
    ms(l.inputMs.p99),
    num(l.fpsPerSession),
    num(l.mbPerSecondPerSession, 3),
    num(l.cpuMsPerMb),
    num(l.heapKibPerSession, 0),
    verdict ?? "ok",
  ];
}

const LEVEL_HEADERS = [
  "sessions",
  "opened",
  "hs p50",
  "hs p99",
  "1st frame p50",
  "p99",
  "input p50",
  "p99",
  "fps/session",
  "MB/s/session",
  "CPU ms/MB",
  "heap KiB/s",
  "verdict",
];

async function benchTarget(
  target: GuacdTarget,
  end: number,
  ctx: SectionContext,
  run: RunContext,
): Promise<TargetResult> {
  const started = performance.now();
  const slice = end - started;
  const activity = activityOf(target.protocol);
  const timeoutMs = 10_000;
  const onBytes = (bytes: number): void => run.addBytes(bytes);
  ctx.log();
  ctx.log(
    `## ${target.name}: ${target.protocol} through ${target.host}:${target.port}, ` +
      `parameters ${shown(target.parameters)} (${(slice / 1000).toFixed(0)} s)`,
  );

  // 1. Handshakes, one after another, each closed once ready.
  const count = ctx.mode === "full" ? 30 : 10;
  const levelCount = rampLevels(run.maxSessions).length;
  ctx.progress.plan(count + levelCount + 1);
  const handshakeEnd = started + slice * 0.15;
  const times: number[] = [];
  const failures: SessionTrouble[] = [];
  let warm = false; // the first handshake loads code on both sides: not timed
  while (times.length < count && performance.now() < handshakeEnd && !run.signal.aborted) {
    run.phase(`${target.name}: handshake ${times.length + 1}/${count}`);
    try {
      const s = await GuacdSession.open(target, { timeoutMs, signal: run.signal, onBytes });
      if (warm) times.push(s.handshakeMs);
      warm = true;
      await s.close();
    } catch (error) {
      failures.push(troubleOf(error));
      break;
    }
  }
  const handshakes = { ...percentiles(times), failures };
  ctx.log(
    `handshakes: ${times.length} one after another, ms: p50 ${ms(handshakes.p50)}, ` +
      `p95 ${ms(handshakes.p95)}, p99 ${ms(handshakes.p99)}` +
      (failures.length > 0 ? `; failed: ${failures[0]!.message}` : ""),
  );
  if (times.length === 0) {
    const skipped = `no handshake succeeded (${failures[0]?.message ?? "interrupted"})`;
    ctx.log(`skipped the rest of ${target.name}: ${skipped}`);
    return {
      target: target.name,
      protocol: target.protocol,
      handshakes,
      ramp: undefined,
      input: undefined,
      pixels: undefined,
      measuredBy: SYNC_BASIS,
      skipped,
    };
  }

  // 2. The ramp, leaving a quarter of the slice for what a person sees at one session.
  const rampEnd = end - slice * 0.25;
  const levels = rampLevels(run.maxSessions).length;
  const perLevel = (rampEnd - performance.now()) / levels;
  const holdMs = Math.max(
    1000,
    Math.min(perLevel - LEVEL_OVERHEAD_MS, ctx.mode === "full" ? 15_000 : 5000),
  );
  ctx.log(
    `ramp: 1, 2, 4 … up to ${run.maxSessions} sessions (--max-sessions), each level held ` +
      `${(holdMs / 1000).toFixed(1)} s with every session in use (${activity === "keys" ? "keys typed" : "pointer moved"}); ` +
      `per level (hs: handshake ms, 1st frame: connect to the first sync after drawing, ms; input: ` +
      `input to the next sync after drawing, ms; heap KiB/s: this client's heap + external per ` +
      `open session, from 4 sessions up; RSS is in the JSON):`,
  );
  ctx.log(table(LEVEL_HEADERS, []).split("\n")[0]!);
  const rampResult = await ramp(target, {
    maxSessions: run.maxSessions,
    activity,
    handshakeBaselineMs: handshakes.p99,
    holdMs,
    timeoutMs,
    signal: run.signal,
    onBytes,
    timeLeftFor: () => performance.now() + holdMs + LEVEL_OVERHEAD_MS <= rampEnd,
    onLevel: (n, figures, verdict) => {
      if (figures === undefined) run.phase(`${target.name}: ramp, ${n} session(s)`);
      else ctx.log(`  ${levelRow(figures, verdict).join("  ")}`);
    },
  });
  ctx.log(
    `capacity: ${rampResult.capacity} concurrent session(s); stopped ${rampResult.stopReason}`,
  );

  // 3. What a person sees, at one session.
  const { input, pixels } = await seenAtOneSession(target, activity, end, ctx, run, {
    timeoutMs,
    onBytes,
  });
  return {
    target: target.name,
    protocol: target.protocol,
    handshakes,
    ramp: rampResult,
    input,
    pixels,
    measuredBy: SYNC_BASIS,
  };
}

export const guacdSection: Section = {
  name: "guacd",
  title: "Against guacd: handshake, input echo, first frame, frame rate, capacity",
  estimateSeconds: { quick: 16, default: 26, full: 190 },
  async run(ctx: SectionContext): Promise<SectionResult> {
    const run = ctx.run ?? defaultRun();
    let targets = configuredTargets(run.targetsFile);
    let stop = async (): Promise<void> => {};
    if (targets === undefined) {
      const { port, child } = await startSimulatorProcess(run.simCap);
      targets = simulatorTargets(port);
      stop = async () => {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.stdin!.end();
        await exited;
      };
      ctx.log(
        `target: the bench's guacd simulator in its guacd-like mode (a child process on ` +
          `127.0.0.1:${port}: desktops paced by their recordings, lagging clients throttled, ` +
          `sessions over ${run.simCap} reset, SSH keys echoed); set GUACD_HOST or --targets ` +
          `for a real guacd`,
      );
    } else {
      ctx.log(`targets: ${targets.map((t) => `${t.name} (${t.host}:${t.port})`).join(", ")}`);
    }
    // Without a run budget (the simulator by default), the section bounds itself.
    const perTarget = { quick: 8000, default: 13_000, full: 90_000 }[ctx.mode];
    const own = performance.now() + perTarget * targets.length;
    const deadline = Number.isFinite(run.deadline) ? run.deadline : own;
    ctx.progress.endsBy(deadline);
    const results: TargetResult[] = [];
    try {
      for (let k = 0; k < targets.length && !run.signal.aborted; k++) {
        const left = deadline - RESERVE_MS - performance.now();
        const end = performance.now() + left / (targets.length - k);
        if (end - performance.now() < 3000) {
          ctx.log(`## ${targets[k]!.name}: skipped, the time budget is spent`);
          continue;
        }
        results.push(await benchTarget(targets[k]!, end, ctx, run));
      }
    } finally {
      await stop();
    }
    const capacity = results.map(
      (r) => `${r.target}: ${r.ramp?.capacity ?? "-"} (${r.ramp?.stopShort ?? r.skipped ?? "-"})`,
    );
    ctx.log();
    ctx.log(`capacity: ${capacity.join("; ")}`);
    return {
      data: { measuredBy: SYNC_BASIS, targets: results, curves: curvesOf(results) },
      figures: figuresOf(results),
      method:
        `${targets.map((t) => t.name).join(", ")}; handshakes one after another; input to changed ` +
        `pixels at 1 session; capacity = the last ramp level without distress users feel`,
    };
  },
};
