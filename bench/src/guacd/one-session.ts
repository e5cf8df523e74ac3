/**
 * What a person sees of a target at one session, alone: the first complete screen, then inputs
 * (keys on a terminal, pointer moves on a desktop), each timed to the first frame whose pixels
 * change where it lands and to the next `sync`; frames that change pixels, bytes per changed
 * pixel and the lossy share of image bytes while the inputs run.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { RunContext, SectionContext } from "../harness/section.ts";
import type { PhotonInput } from "./browser-client.ts";
import type { Rect } from "./pixels.ts";
import { type Activity, ECHO_TIMEOUT_MS, GRID, KEYS, percentiles, sleep } from "./ramp.ts";
import { STABLE_MS, type TargetResult } from "./result.ts";
import { GuacdSession, troubleOf } from "./session.ts";
import type { GuacdTarget } from "./targets.ts";

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : "-");
const num = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : "-");

/** Between two inputs, so an input's trailing frames (cursor, scroll) are not timed for the next. */
export const PHOTON_GAP_MS = 250;

/** How long the screen is watched, after its first screen, for the places where it stays still. */
export const STILL_WATCH_MS = 1000;

/**
 * The `count` inputs every client gets: keys on a terminal, pointer moves on a desktop, to
 * `points` in turn (two or more, so that each move goes somewhere new; else a grid).
 */
export function photonInputs(
  activity: Activity,
  count: number,
  points: readonly { x: number; y: number }[] = [],
): PhotonInput[] {
  const at = points.length >= 2 ? points : GRID;
  return Array.from({ length: count }, (_, k) =>
    activity === "keys" ? { keysym: KEYS[k % 2]! } : { ...at[k % at.length]! },
  );
}

/** Where an input lands: a terminal's key anywhere on screen, a pointer 64 × 64 px around it. */
export function photonRect(input: PhotonInput): Rect | undefined {
  return "keysym" in input
    ? undefined
    : { x: Math.max(0, input.x - 32), y: Math.max(0, input.y - 32), width: 64, height: 64 };
}

/** How long an input may take to change pixels: a key on a terminal, a pointer move. */
export function photonTimeoutMs(input: PhotonInput): number {
  return "keysym" in input ? ECHO_TIMEOUT_MS : ECHO_TIMEOUT_MS / 4;
}

/** Runs until `end` at most; logs a line or two of what it saw. */
export async function seenAtOneSession(
  target: GuacdTarget,
  activity: Activity,
  end: number,
  ctx: SectionContext,
  run: RunContext,
  open: { readonly timeoutMs: number; readonly onBytes: (bytes: number) => void },
): Promise<Pick<TargetResult, "input" | "pixels">> {
  const { timeoutMs, onBytes } = open;
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
        const count = ctx.mode === "full" ? 30 : ctx.mode === "default" ? 20 : 10;
        // A desktop's pointer goes only where the screen stays still: a clock's hands or a
        // scrolling terminal under it would answer for the move.
        let pointerAt: { x: number; y: number }[] = [];
        if (activity === "pointer") {
          watch.resetCells();
          await sleep(STILL_WATCH_MS, run.signal);
          pointerAt = watch.stillPoints(count);
        }
        watch.resetCounts();
        const bytesBefore = s.bytes;
        const from = performance.now();
        const inputs = photonInputs(activity, count, pointerAt);
        const cpu = process.cpuUsage();
        const loop = monitorEventLoopDelay({ resolution: 10 });
        loop.enable();
        for (const next of inputs) {
          if (performance.now() >= end - 500 || run.signal.aborted) break;
          sent++;
          const timed = await s.photon(next, photonRect(next), photonTimeoutMs(next));
          if (timed.pixelsMs !== undefined) photons.push(timed.pixelsMs);
          if (timed.syncMs !== undefined) echoes.push(timed.syncMs);
          await sleep(PHOTON_GAP_MS, run.signal);
        }
        const used = process.cpuUsage(cpu);
        loop.disable();
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
          loopDelayMs: loop.count > 0 ? loop.percentile(99) / 1e6 : Number.NaN,
          cpuMsPerSecond: sent > 0 ? (used.user + used.system) / 1e3 / seconds : Number.NaN,
          pointerAt,
          cursorFromGuacd: watch.cursorFromGuacd,
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
  return { input, pixels };
}
