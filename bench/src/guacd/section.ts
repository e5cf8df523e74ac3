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
import type { Curve } from "../harness/curve.ts";
import type { Figure } from "../harness/figure.ts";
import { table } from "../harness/format.ts";
import type { RunContext, Section, SectionContext, SectionResult } from "../harness/section.ts";
import {
  activityOf,
  ECHO_TIMEOUT_MS,
  KEYS,
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
/** What the sync-based figures measure, recorded beside them in the JSON. */
export const SYNC_BASIS: string =
  "sync-based: a frame is a sync instruction; first frame = connect to the first sync after " +
  "drawing; fps = syncs per second; input echo = input sent to the next sync after drawing";
/** How the summary marks a sync-based figure. */
const SYNC = "sync-based";
/** The first screen is complete once no pixel changed for this long. */
const STABLE_MS = 500;

/** Everything measured on one target. */
export interface TargetResult {
  readonly target: string;
  readonly protocol: string;
  readonly handshakes: Percentiles & { readonly failures: readonly SessionTrouble[] };
  readonly ramp: RampResult | undefined;
  /** Input echo at one session: keys on a terminal, pointer moves on a desktop (sync-based). */
  readonly input:
    | (Percentiles & { readonly activity: string; readonly sent: number; readonly missed: number })
    | undefined;
  /** At one session, from the headless display's pixels: what a person sees. */
  readonly pixels:
    | {
        /** Connect call to the last pixel change before `STABLE_MS` without one. */
        readonly firstScreenMs: number;
        /** Input to the first frame whose pixels change where it lands. */
        readonly photonMs: Percentiles & { readonly sent: number; readonly unchanged: number };
        /** Frames per second that changed a pixel, and all frames per second. */
        readonly changingFps: number;
        readonly allFps: number;
        /** Bytes received per pixel changed, while inputs were sent. */
        readonly bytesPerChangedPixel: number;
        /** JPEG and WebP bytes over all image bytes. */
        readonly lossyShare: number;
        readonly imageBytes: number;
      }
    | undefined;
  /** How the sync-based figures were measured. */
  readonly measuredBy: string;
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

  // 3. At one session, alone, what a person sees: the first complete screen, then inputs, each
  // timed to the first frame whose pixels change where it lands and to the next sync.
  let input: TargetResult["input"];
  let pixels: TargetResult["pixels"];
  if (!run.signal.aborted && performance.now() < end - 1000) {
    run.phase(`${target.name}: input-to-photon at 1 session`);
    const photons: number[] = [];
    const echoes: number[] = [];
    let sent = 0;
    try {
      const s = await GuacdSession.open(target, {
        timeoutMs,
        signal: run.signal,
        onBytes,
        pixels: true,
      });
      try {
        const watch = s.pixels!;
        // A screen that never stays still (a video, a busy recording) has no complete first screen:
        // the wait is bounded by a share of what is left, so the inputs still run.
        const wait = Math.max(STABLE_MS * 2, Math.min(8000, (end - performance.now()) * 0.4));
        const firstScreenMs = await watch.settledScreen(s.started, STABLE_MS, wait);
        watch.resetCounts();
        const bytesBefore = s.bytes;
        const from = performance.now();
        const inputs = ctx.mode === "full" ? 30 : ctx.mode === "default" ? 20 : 10;
        for (let k = 0; k < inputs && performance.now() < end - 500 && !run.signal.aborted; k++) {
          sent++;
          const x = 100 + (k % 8) * 40;
          const y = 100 + (k % 5) * 40;
          const timed =
            activity === "keys"
              ? await s.photon({ keysym: KEYS[k % 2]! }, undefined, ECHO_TIMEOUT_MS)
              : await s.photon(
                  { x, y },
                  { x: Math.max(0, x - 32), y: Math.max(0, y - 32), width: 64, height: 64 },
                  ECHO_TIMEOUT_MS / 4,
                );
          if (timed.pixelsMs !== undefined) photons.push(timed.pixelsMs);
          if (timed.syncMs !== undefined) echoes.push(timed.syncMs);
          // Let the input's trailing frames (cursor, scroll) pass, so they are not timed for the next.
          await sleep(250, run.signal);
        }
        const seconds = (performance.now() - from) / 1000;
        pixels = {
          firstScreenMs: firstScreenMs ?? Number.NaN,
          photonMs: { ...percentiles(photons), sent, unchanged: sent - photons.length },
          changingFps: watch.changedFrames / seconds,
          allFps: watch.frames / seconds,
          bytesPerChangedPixel:
            watch.changedPixels > 0 ? (s.bytes - bytesBefore) / watch.changedPixels : Number.NaN,
          lossyShare: watch.imageBytes > 0 ? watch.lossyBytes / watch.imageBytes : Number.NaN,
          imageBytes: watch.imageBytes,
        };
      } finally {
        await s.close();
      }
    } catch (error) {
      ctx.log(`input-to-photon: could not run (${troubleOf(error).message})`);
    }
    input = { ...percentiles(echoes), activity, sent, missed: sent - echoes.length };
    ctx.log(
      `input (${activity}) at 1 session, ${sent} sent: to changed pixels p50 ${ms(pixels?.photonMs.p50 ?? Number.NaN)}, ` +
        `p95 ${ms(pixels?.photonMs.p95 ?? Number.NaN)}, p99 ${ms(pixels?.photonMs.p99 ?? Number.NaN)} ms` +
        ` (${pixels?.photonMs.unchanged ?? sent} changed nothing); to the next sync p50 ${ms(input.p50)}, p99 ${ms(input.p99)} ms`,
    );
    if (pixels !== undefined) {
      ctx.log(
        `pixels at 1 session: first screen complete at ${ms(pixels.firstScreenMs)} ms (no change for ${STABLE_MS} ms); ` +
          `${num(pixels.changingFps)} frames/s change pixels of ${num(pixels.allFps)}; ` +
          `${num(pixels.bytesPerChangedPixel, 2)} B per changed pixel; lossy ${num(pixels.lossyShare * 100, 0)}% of ${pixels.imageBytes} image bytes`,
      );
    }
  }
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

/** Per target: handshake, input echo, first frame, fps at one session, capacity (headline: p99s and capacity). */
function figuresOf(results: readonly TargetResult[]): Figure[] {
  const figures: Figure[] = [];
  for (const r of results) {
    const single = r.ramp?.levels[0];
    const add = (what: string, value: number, unit: string, extra: Partial<Figure> = {}): void => {
      figures.push({
        id: `guacd/${r.target}/${what}`,
        label: `${r.target} ${what}`,
        group: r.target,
        value,
        unit,
        ...extra,
      });
    };
    add("handshake p50", r.handshakes.p50, "ms");
    add("handshake p99", r.handshakes.p99, "ms", { headline: true });
    const kind = r.input?.activity === "keys" ? "key" : "pointer";
    const p = r.pixels;
    if (p !== undefined) {
      const none =
        p.photonMs.count === 0
          ? { note: "no pixel changed where it landed" }
          : p.photonMs.unchanged > 0
            ? { note: `${p.photonMs.unchanged} of ${p.photonMs.sent} changed nothing` }
            : {};
      add(`${kind} to photon p50`, p.photonMs.p50, "ms");
      add(`${kind} to photon p95`, p.photonMs.p95, "ms");
      add(`${kind} to photon p99`, p.photonMs.p99, "ms", { headline: true, ...none });
      add("first screen complete", p.firstScreenMs, "ms", {
        ...(Number.isNaN(p.firstScreenMs) ? { note: `never still for ${STABLE_MS} ms` } : {}),
      });
      add("frames changing pixels", p.changingFps, "fps");
      add("bytes per changed pixel", p.bytesPerChangedPixel, "B/px");
      add("lossy image bytes", p.lossyShare * 100, "%");
    }
    if (r.input !== undefined) {
      const none = r.input.count === 0 ? { note: "no drawing answered the input" } : {};
      add(`${kind} echo p50`, r.input.p50, "ms", { basis: SYNC });
      add(`${kind} echo p99`, r.input.p99, "ms", {
        basis: SYNC,
        headline: p === undefined,
        ...none,
      });
    }
    if (single !== undefined) {
      add("first frame p50", single.firstFrameMs.p50, "ms", { basis: SYNC });
      add("frames per second", single.fpsPerSession, "fps", { basis: SYNC });
    }
    if (r.ramp !== undefined) {
      add("capacity", r.ramp.capacity, "sessions", { headline: true, note: r.ramp.stopShort });
    }
  }
  return figures;
}

/** The ramp as curves over sessions, one line per target (and percentile), capacity marked. */
function curvesOf(results: readonly TargetResult[]): Curve[] {
  const ramped = results.filter((r) => r.ramp !== undefined && r.ramp.levels.length > 0);
  const marks = ramped.map((r) => ({
    x: r.ramp!.capacity,
    label: `${r.target}: capacity ${r.ramp!.capacity} (${r.ramp!.stopShort})`,
  }));
  const curve = (
    what: string,
    title: string,
    unit: string,
    pick: (l: LevelFigures) => Record<string, number>,
    basis?: string,
  ): Curve => ({
    id: `guacd/curve/${what}`,
    title,
    unit,
    x: "sessions at once",
    points: ramped.flatMap((r) =>
      r.ramp!.levels.flatMap((l) =>
        Object.entries(pick(l)).map(([stat, y]) => ({ series: r.target, stat, x: l.sessions, y })),
      ),
    ),
    marks,
    ...(basis === undefined ? {} : { basis }),
  });
  return [
    curve("handshake", "Handshake (ms) by sessions open", "ms", (l) => ({
      p50: l.handshakeMs.p50,
      p99: l.handshakeMs.p99,
    })),
    curve(
      "first-frame",
      "Connect to a complete first screen (ms)",
      "ms",
      (l) => ({ p50: l.firstFrameMs.p50, p99: l.firstFrameMs.p99 }),
      SYNC,
    ),
    curve(
      "input",
      "Input echo while every session is in use (ms)",
      "ms",
      (l) => ({ p50: l.inputMs.p50, p99: l.inputMs.p99 }),
      SYNC,
    ),
    curve("fps", "Frames per second per session", "fps", (l) => ({ "": l.fpsPerSession }), SYNC),
    curve("cpu", "Client CPU per MB received (ms/MB)", "ms/MB", (l) => ({ "": l.cpuMsPerMb })),
    curve("memory", "Client memory per open session (heap + external)", "KiB", (l) => ({
      "": l.heapKibPerSession,
    })),
  ];
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
