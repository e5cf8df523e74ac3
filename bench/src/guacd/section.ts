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
import { existsSync } from "node:fs";
import { CHROMIUM_PATH } from "@guacstream/test-support";
import { startSimulatorProcess } from "../e2e/target.ts";
import { table } from "../harness/format.ts";
import type { RunContext, Section, SectionContext, SectionResult } from "../harness/section.ts";
import { BrowserClient, type ClientFigures } from "./browser-client.ts";
import { curvesOf, figuresOf, viewsOf } from "./figures.ts";
import {
  PHOTON_GAP_MS,
  photonInputs,
  photonRect,
  photonTimeoutMs,
  seenAtOneSession,
} from "./one-session.ts";
import {
  activityOf,
  type LevelFigures,
  PROBE_LAG_MS,
  percentiles,
  ramp,
  rampLevels,
} from "./ramp.ts";
import { STABLE_MS, SYNC_BASIS, type TargetResult } from "./result.ts";
import { GuacdSession, type SessionTrouble, troubleOf } from "./session.ts";
import { configuredTargets, type GuacdTarget, simulatorTargets } from "./targets.ts";

/** Why the simulator's input-to-photon is not reported. */
const SIMULATED_PHOTON =
  "n/a on the simulator: its screens replay recordings whatever the input, so a changed pixel cannot be told from the replay's own";

/** Handshakes timed per target, one after another. */
const handshakeCount = (ctx: SectionContext): number => (ctx.mode === "full" ? 30 : 10);

/** Time kept back at the end of the budget for closing sessions and writing results. */
const RESERVE_MS = 3000;
/** Time a ramp level needs beyond its hold: opening, first frames, closing. */
const LEVEL_OVERHEAD_MS = 1500;
/** The browser's client is compared only when each target gets at least this long. */
const MIN_BROWSER_SLICE_MS = 15_000;
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
    ms(l.photonMs.p50),
    ms(l.photonMs.p99),
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
  "photon p50",
  "p99",
  "fps/session",
  "MB/s/session",
  "CPU ms/MB",
  "heap KiB/s",
  "verdict",
];

/**
 * Whether the browser's client is compared: against a real guacd only. The simulator's terminal
 * replays a recorded session (several frames a second whatever is typed) and its desktop ignores
 * the pointer, so no pixel change there answers an input.
 */
function comparesBrowser(run: RunContext): boolean {
  return run.realGuacd;
}

async function benchTarget(
  target: GuacdTarget,
  end: number,
  ctx: SectionContext,
  run: RunContext,
  browser: BrowserClient | string | undefined,
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
  const count = handshakeCount(ctx);
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

  // 2. What a person sees, at one session, with our client and then the browser's: a quarter of
  // the slice (as much again for the browser's client), before the ramp, which learns from it
  // whether a probe session's display is affordable.
  const compared = browser !== undefined && comparesBrowser(run);
  const withBrowser = compared && typeof browser === "object";
  const seenEnd = performance.now() + slice * (withBrowser ? 0.45 : 0.25);
  const oursEnd = withBrowser ? seenEnd - slice * 0.2 : seenEnd;
  const { input, pixels } = await seenAtOneSession(target, activity, oursEnd, ctx, run, {
    timeoutMs,
    onBytes,
  });
  let browserFigures: TargetResult["browser"];
  if (compared) {
    browserFigures =
      typeof browser === "string"
        ? { skipped: browser }
        : pixels === undefined || pixels.photonMs.sent === 0
          ? { skipped: "our client's inputs did not run" }
          : await browserBeside(browser, target, pixels, seenEnd, ctx, run);
    logClients(ctx, pixels, browserFigures);
  }

  // 3. The ramp, to the end of the slice.
  const photonNa = run.realGuacd ? undefined : SIMULATED_PHOTON;
  const probe =
    photonNa === undefined && pixels !== undefined && pixels.loopDelayMs <= PROBE_LAG_MS;
  const probeNote = probe
    ? "the first session is the probe, followed by a headless display: its input-to-photon decides input distress"
    : photonNa !== undefined
      ? "no probe session: on the simulator a changed pixel cannot be told from the replay's own; input echo decides"
      : pixels === undefined
        ? "no probe session: the one-session view did not run"
        : `no probe session: at one session the display held this process ${ms(pixels.loopDelayMs)} ms (over ${PROBE_LAG_MS}); input echo decides`;
  const levels = rampLevels(run.maxSessions).length;
  const perLevel = (end - performance.now()) / levels;
  const holdMs = Math.max(
    1000,
    Math.min(perLevel - LEVEL_OVERHEAD_MS, ctx.mode === "full" ? 15_000 : 5000),
  );
  ctx.log(
    `ramp: 1, 2, 4 … up to ${run.maxSessions} sessions (--max-sessions), each level held ` +
      `${(holdMs / 1000).toFixed(1)} s with every session in use (${activity === "keys" ? "keys typed" : "pointer moved"}); ` +
      `${probeNote}; per level (hs: handshake ms, 1st frame: connect to the first sync after drawing, ms; input: ` +
      `input to the next sync after drawing, ms; photon: input to changed pixels on the probe, ms; ` +
      `heap KiB/s: this client's heap + external a session adds since the previous level, from 4 sessions up; RSS is in the JSON):`,
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
    probe,
    pointerAt: pixels?.pointerAt ?? [],
    timeLeftFor: () => performance.now() + holdMs + LEVEL_OVERHEAD_MS <= end,
    onLevel: (n, figures, verdict) => {
      if (figures === undefined) run.phase(`${target.name}: ramp, ${n} session(s)`);
      else ctx.log(`  ${levelRow(figures, verdict).join("  ")}`);
    },
  });
  ctx.log(
    `capacity: ${rampResult.capacity} concurrent session(s); stopped ${rampResult.stopReason}`,
  );
  return {
    target: target.name,
    protocol: target.protocol,
    handshakes,
    ramp: rampResult,
    input,
    pixels,
    ...(browserFigures === undefined ? {} : { browser: browserFigures }),
    ...(photonNa === undefined ? {} : { photonNa }),
    measuredBy: SYNC_BASIS,
  };
}

/** The browser's client on `target`, given the `count` inputs ours got; never throws. */
async function browserBeside(
  browser: BrowserClient,
  target: GuacdTarget,
  ours: NonNullable<TargetResult["pixels"]>,
  end: number,
  ctx: SectionContext,
  run: RunContext,
): Promise<ClientFigures | { skipped: string }> {
  if (run.signal.aborted) return { skipped: "interrupted" };
  run.phase(`${target.name}: input-to-photon at 1 session, guacamole-common-js in Chromium`);
  try {
    // The same inputs as ours, to the same still places.
    const inputs = photonInputs(activityOf(target.protocol), ours.photonMs.sent, ours.pointerAt);
    return await browser.measure(target, inputs, {
      rectOf: photonRect,
      timeoutOf: photonTimeoutMs,
      timeoutMs: 10_000,
      gapMs: PHOTON_GAP_MS,
      stableMs: STABLE_MS,
      settleMs: Math.max(STABLE_MS * 2, Math.min(8000, (end - performance.now()) * 0.3)),
      until: end - 500,
      signal: run.signal,
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    ctx.log(`guacamole-common-js: could not run (${why})`);
    return { skipped: why };
  }
}

function logClients(
  ctx: SectionContext,
  pixels: TargetResult["pixels"],
  browser: TargetResult["browser"],
): void {
  const row = (name: string, f: ClientFigures | undefined, skipped?: string): string[] =>
    f === undefined
      ? [name, skipped ?? "-", "", "", "", "", ""]
      : [
          name,
          `${f.photonMs.sent}`,
          ms(f.photonMs.p50),
          ms(f.photonMs.p95),
          ms(f.photonMs.p99),
          num(f.cpuMsPerSecond, 0),
          f.brokerCpuMsPerSecond === undefined ? "-" : num(f.brokerCpuMsPerSecond, 0),
        ];
  const ours = pixels === undefined ? undefined : { ...pixels, photonMs: pixels.photonMs };
  ctx.log("input-to-photon at 1 session, both clients (CPU ms per second of session):");
  ctx.log(
    table(
      ["client", "inputs", "p50 ms", "p95 ms", "p99 ms", "CPU ms/s", "broker CPU ms/s"],
      [
        row("guacstream + headless display", ours),
        row(
          "guacamole-common-js in Chromium",
          browser !== undefined && "photonMs" in browser ? browser : undefined,
          browser !== undefined && "skipped" in browser ? `skipped: ${browser.skipped}` : undefined,
        ),
      ],
    ),
  );
}

/**
 * Chromium and the example broker, started before any session is timed so their start-up loads
 * no measurement; a string says why the browser's client does not run.
 */
async function startBrowser(
  targets: readonly GuacdTarget[],
  ctx: SectionContext,
  run: RunContext,
): Promise<BrowserClient | string> {
  if (!existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH}`;
  run.phase("starting Chromium and the example broker");
  try {
    return await BrowserClient.start(targets, 30_000);
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    ctx.log(`guacamole-common-js: not compared (${why})`);
    return why;
  }
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
    const perTargetMs = (deadline - RESERVE_MS - performance.now()) / targets.length;
    const browser = !comparesBrowser(run)
      ? undefined
      : perTargetMs < MIN_BROWSER_SLICE_MS
        ? `${(perTargetMs / 1000).toFixed(0)} s per target is too little (it needs ${MIN_BROWSER_SLICE_MS / 1000} s)`
        : await startBrowser(targets, ctx, run);
    // Steps as `run.phase` names them: the browser's start, then per target each handshake, the
    // one-session view (and the browser's beside it) and each ramp level.
    const perTargetSteps =
      handshakeCount(ctx) +
      1 +
      (typeof browser === "object" ? 1 : 0) +
      rampLevels(run.maxSessions).length;
    ctx.progress.plan((typeof browser === "object" ? 1 : 0) + perTargetSteps * targets.length);
    const results: TargetResult[] = [];
    try {
      for (let k = 0; k < targets.length && !run.signal.aborted; k++) {
        const left = deadline - RESERVE_MS - performance.now();
        const end = performance.now() + left / (targets.length - k);
        if (end - performance.now() < 3000) {
          ctx.log(`## ${targets[k]!.name}: skipped, the time budget is spent`);
          continue;
        }
        results.push(await benchTarget(targets[k]!, end, ctx, run, browser));
      }
    } finally {
      if (typeof browser === "object") await browser.close();
      await stop();
    }
    const capacity = results.map(
      (r) => `${r.target}: ${r.ramp?.capacity ?? "-"} (${r.ramp?.stopShort ?? r.skipped ?? "-"})`,
    );
    ctx.log();
    ctx.log(`capacity: ${capacity.join("; ")}`);
    const figures = figuresOf(results);
    return {
      data: {
        measuredBy: SYNC_BASIS,
        targets: results,
        curves: curvesOf(results),
        views: viewsOf(figures),
      },
      figures,
      method:
        `${targets.map((t) => t.name).join(", ")}; handshakes one after another; input to changed ` +
        `pixels at 1 session (ours, then guacamole-common-js in Chromium through the example ` +
        `broker where compared); capacity = the last ramp level without distress users feel`,
    };
  },
};
