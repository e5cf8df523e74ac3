/**
 * Against a guacd, the numbers an operator wants, per target: handshake latency (p50/p95/p99, one
 * handshake after another), time from `connect` to the first complete frame, frames per second and
 * MB/s per session, the client's CPU ms per MB and memory per session, keystroke echo latency for
 * SSH and telnet, and the capacity found by a ramp (1, 2, 4 … up to `--max-sessions`, stopping at
 * the first sign of distress; see `guacd-ramp.ts`). Bounded by the run's time budget, split evenly
 * between the targets; every session it opens is closed (disconnect + socket close) before it
 * returns, also when interrupted.
 *
 * Targets: `--targets FILE`, `GUACD_HOST`…, or the bench's simulator in its guacd-like mode.
 */
import { startSimulatorProcess } from "../e2e/target.ts";
import { table } from "../harness/format.ts";
import type {
  ChartGroup,
  RunContext,
  Section,
  SectionContext,
  SectionResult,
} from "../harness/section.ts";
import {
  type LevelFigures,
  type Percentiles,
  percentiles,
  type RampResult,
  ramp,
  rampLevels,
  sleep,
} from "./ramp.ts";
import { GuacdSession, type SessionTrouble, troubleOf } from "./session.ts";
import { configuredTargets, type GuacdTarget, simulatorTargets } from "./targets.ts";

/** Time kept back at the end of the budget for closing sessions and writing results. */
const RESERVE_MS = 3000;
/** Time a ramp level needs beyond its hold: opening, first frames, closing. */
const LEVEL_OVERHEAD_MS = 1500;
/** X and BackSpace, typed in turn so a shell's line neither grows nor empties. */
const KEYS = [0x78, 0xff08] as const;

/** Everything measured on one target. */
export interface TargetResult {
  readonly target: string;
  readonly protocol: string;
  readonly handshakes: Percentiles & { readonly failures: readonly SessionTrouble[] };
  readonly ramp: RampResult | undefined;
  readonly keystrokes: (Percentiles & { readonly missed: number }) | undefined;
  readonly skipped?: string;
}

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
  const typing = target.protocol === "ssh" || target.protocol === "telnet";
  const timeoutMs = 10_000;
  const onBytes = (bytes: number): void => run.addBytes(bytes);
  ctx.log();
  ctx.log(
    `## ${target.name}: ${target.protocol} through ${target.host}:${target.port}, ` +
      `parameters ${shown(target.parameters)} (${(slice / 1000).toFixed(0)} s)`,
  );

  // 1. Handshakes, one after another, each closed once ready.
  run.phase(`${target.name}: handshakes`);
  const handshakeEnd = started + slice * 0.15;
  const count = ctx.quick ? 10 : 30;
  const times: number[] = [];
  const failures: SessionTrouble[] = [];
  let warm = false; // the first handshake loads code on both sides: not timed
  while (times.length < count && performance.now() < handshakeEnd && !run.signal.aborted) {
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
      keystrokes: undefined,
      skipped,
    };
  }

  // 2. The ramp, leaving a fifth of the slice for typing on a terminal.
  const rampEnd = typing ? end - slice * 0.2 : end;
  const levels = rampLevels(run.maxSessions).length;
  const perLevel = (rampEnd - performance.now()) / levels;
  const holdMs = Math.max(1000, Math.min(perLevel - LEVEL_OVERHEAD_MS, ctx.quick ? 5000 : 15_000));
  ctx.log(
    `ramp: 1, 2, 4 … up to ${run.maxSessions} sessions (--max-sessions), each level held ` +
      `${(holdMs / 1000).toFixed(1)} s; per level (hs: handshake ms, 1st frame: connect to the ` +
      `first sync after drawing, ms; heap KiB/s: this client's heap + external per open session, ` +
      `from 4 sessions up; RSS is in the JSON):`,
  );
  ctx.log(table(LEVEL_HEADERS, []).split("\n")[0]!);
  const rampResult = await ramp(target, {
    maxSessions: run.maxSessions,
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

  // 3. Keystroke echo on a terminal.
  let keystrokes: TargetResult["keystrokes"];
  if (typing && !run.signal.aborted && performance.now() < end - 1000) {
    run.phase(`${target.name}: keystroke echo`);
    const latencies: number[] = [];
    let missed = 0;
    try {
      const s = await GuacdSession.open(target, { timeoutMs, signal: run.signal, onBytes });
      try {
        await s.firstFrame(3000);
        await sleep(300, run.signal);
        const typed = ctx.quick ? 10 : 30;
        for (let k = 0; k < typed && performance.now() < end - 500 && !run.signal.aborted; k++) {
          const latency = await s.keystroke(KEYS[k % 2]!, 2000);
          if (latency === undefined) missed++;
          else latencies.push(latency);
          // Let the echo's trailing frames (cursor, scroll) pass, so they are not timed for the next key.
          await sleep(250, run.signal);
        }
      } finally {
        await s.close();
      }
    } catch (error) {
      ctx.log(`keystroke echo: could not run (${troubleOf(error).message})`);
    }
    keystrokes = { ...percentiles(latencies), missed };
    ctx.log(
      `keystroke echo: ${latencies.length} keys, ms: p50 ${ms(keystrokes.p50)}, p99 ` +
        `${ms(keystrokes.p99)}${missed > 0 ? `; ${missed} not echoed within 2 s` : ""}`,
    );
  }
  return {
    target: target.name,
    protocol: target.protocol,
    handshakes,
    ramp: rampResult,
    keystrokes,
  };
}

function summary(results: readonly TargetResult[]): string {
  return table(
    [
      "target",
      "hs p50",
      "p95",
      "p99",
      "1st frame",
      "fps/session",
      "MB/s/session",
      "key p50",
      "key p99",
      "CPU ms/MB",
      "heap KiB/s",
      "capacity",
    ],
    results.map((r) => {
      const single = r.ramp?.levels[0];
      const top = r.ramp?.levels.find((l) => l.sessions === r.ramp?.capacity) ?? single;
      return [
        r.target,
        ms(r.handshakes.p50),
        ms(r.handshakes.p95),
        ms(r.handshakes.p99),
        ms(single?.firstFrameMs.p50 ?? Number.NaN),
        num(single?.fpsPerSession ?? Number.NaN),
        num(single?.mbPerSecondPerSession ?? Number.NaN, 3),
        ms(r.keystrokes?.p50 ?? Number.NaN),
        ms(r.keystrokes?.p99 ?? Number.NaN),
        num(top?.cpuMsPerMb ?? Number.NaN),
        num(top?.heapKibPerSession ?? Number.NaN, 0),
        r.ramp === undefined ? "-" : String(r.ramp.capacity),
      ];
    }),
  );
}

function chart(results: readonly TargetResult[]): ChartGroup[] {
  const groups: ChartGroup[] = results.map((r) => ({
    title: `${r.target}: latency (ms)`,
    unit: "ms",
    bars: [
      { label: "handshake p50", value: r.handshakes.p50 },
      { label: "handshake p95", value: r.handshakes.p95 },
      { label: "handshake p99", value: r.handshakes.p99 },
      { label: "first frame p50", value: r.ramp?.levels[0]?.firstFrameMs.p50 ?? Number.NaN },
      ...(r.keystrokes === undefined
        ? []
        : [
            { label: "keystroke echo p50", value: r.keystrokes.p50 },
            { label: "keystroke echo p99", value: r.keystrokes.p99 },
          ]),
    ],
  }));
  groups.push(
    {
      title: "capacity found by the ramp (sessions)",
      unit: "sessions",
      bars: results.map((r) => ({ label: r.target, value: r.ramp?.capacity ?? Number.NaN })),
    },
    {
      title: "per session at 1 session: frames per second",
      unit: "fps",
      bars: results.map((r) => ({
        label: r.target,
        value: r.ramp?.levels[0]?.fpsPerSession ?? Number.NaN,
      })),
    },
    {
      title: "client CPU per MB received, at capacity (ms)",
      unit: "ms/MB",
      bars: results.map((r) => ({
        label: r.target,
        value:
          r.ramp?.levels.find((l) => l.sessions === r.ramp?.capacity)?.cpuMsPerMb ?? Number.NaN,
      })),
    },
  );
  return groups;
}

export const guacdSection: Section = {
  name: "guacd",
  title: "Against guacd: handshake, first frame, frame rate, keystroke echo, capacity",
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
    const own = performance.now() + (ctx.quick ? 15_000 : 90_000) * targets.length;
    const deadline = Number.isFinite(run.deadline) ? run.deadline : own;
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
    ctx.log();
    ctx.log(
      "## Summary (per target; fps, MB/s and first frame at 1 session; CPU and heap at capacity)",
    );
    ctx.log(summary(results));
    return { data: { targets: results }, chart: chart(results), targets: [] };
  },
};
