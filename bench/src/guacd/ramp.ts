/**
 * The capacity ramp: 1, 2, 4, 8 … sessions at once, up to `maxSessions`, each level held for a
 * while with every session in use as a person would use it (keys typed into terminals, the
 * pointer moved on desktops), stopping at the first distress a user would feel. A level adds
 * sessions to the previous level's, one after another, so a handshake is timed against a guacd
 * already carrying the others. The last level without distress is the measured capacity.
 * Distress, against the single-session level:
 * - any session refused with a status (`error` 776, 512, 519 …), reset, timed out, or ended by guacd;
 * - handshake p99 or time-to-first-frame p99 above 3x the single session's and at least
 *   `FLOOR_MS` (a second) above it: a session opening that much later is what a person notices;
 * - input-to-photon p99 on the probe session (the first one, followed by a headless display: an
 *   input to the first frame whose pixels change where it lands) above 3x the single session's
 *   and at least `INPUT_FLOOR_MS` above it; where the probe sees no pixel answer (a desktop whose
 *   cursor the client draws), the same of the input echo (input sent to the next `sync`);
 * - a key a terminal did not echo within `ECHO_TIMEOUT_MS`.
 * An idle screen's falling frame rate is not distress: a screen with nothing to draw sends few frames.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { GuacdSession, type SessionTrouble, troubleOf } from "./session.ts";
import type { GuacdTarget } from "./targets.ts";

/**
 * Handshake and first-frame rises must also exceed the single session's figure by this much (ms)
 * to count: opening a session a second later is what a person notices, while a loaded machine
 * stalls a loopback handshake by a few hundred ms with every session still answering keys.
 */
export const FLOOR_MS = 1000;
/** Memory per session is reported from this many sessions up. */
export const MEMORY_MIN_SESSIONS = 4;
/**
 * Input echo rises must also exceed the single session's by this much (ms) to count: about where
 * a person starts to feel typing or pointing lag, and above a loaded machine's scheduling stalls.
 */
export const INPUT_FLOOR_MS = 200;
/** A key a terminal has not echoed by then counts as missed (and as this latency). */
export const ECHO_TIMEOUT_MS = 2000;
/**
 * The ramp follows a probe session with a headless display only when, at one session, the display
 * held this process's event loop no longer than this (p99, ms): a display drawing a busy screen
 * would delay every other session's reading and skew what the ramp measures.
 */
export const PROBE_LAG_MS = 60;
/** Between two inputs of one session: about a person's typing or pointing pace. */
export const INPUT_GAP_MS = 400;
/** A terminal that drew nothing for this long (ms) after its first frame waits at its prompt. */
export const QUIET_MS = 500;
/** X and BackSpace, typed in turn so a shell's line neither grows nor empties. */
export const KEYS = [0x78, 0xff08] as const;

/** How a session is kept in use: keys on a terminal, pointer moves on a desktop. */
export type Activity = "keys" | "pointer";

/** Terminals get keys; every other protocol a pointer. */
export function activityOf(protocol: string): Activity {
  return protocol === "ssh" || protocol === "telnet" ? "keys" : "pointer";
}

/** What one ramp level measured. */
export interface LevelFigures {
  readonly sessions: number;
  /** Sessions that completed the handshake. */
  readonly opened: number;
  readonly troubles: readonly SessionTrouble[];
  readonly handshakeMs: Percentiles;
  readonly firstFrameMs: Percentiles;
  /**
   * Input sent to the next frame after drawing, over every input of every session while held; a
   * key not echoed within `ECHO_TIMEOUT_MS` counts as that long and as missed.
   */
  readonly inputMs: Percentiles & { readonly sent: number; readonly missed: number };
  /**
   * Input to the first frame whose pixels change where it lands, on the probe session only (the
   * ramp's first, followed by a headless display); a key that changed nothing within
   * `ECHO_TIMEOUT_MS` counts as that long and as unchanged. Empty without a probe.
   */
  readonly photonMs: Percentiles & { readonly sent: number; readonly unchanged: number };
  /** Median over sessions of frames per second while the level was held. */
  readonly fpsPerSession: number;
  /** Median over sessions of MB/s while the level was held. */
  readonly mbPerSecondPerSession: number;
  /** Client process CPU (user + system) per MB received during the level, ms. */
  readonly cpuMsPerMb: number;
  /**
   * Client process memory a session adds, heap + external and RSS (KiB): the memory with every
   * session open minus the previous level's, over the sessions this level added, after a full GC
   * each time (what every session costs, without the fixed costs: loaded code, the probe's
   * display); NaN below `MEMORY_MIN_SESSIONS` sessions, where GC noise is larger than what is
   * measured.
   */
  heapKibPerSession: number;
  rssKibPerSession: number;
  readonly heldMs: number;
  /** The memory with every session of the level open (the next level's starting point). */
  readonly memory: LevelMemory;
  /** This process's event-loop delay p99 while the level opened and was held, ms. */
  readonly loopDelayMs: number;
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** The slowest sample but one (NaN with fewer than two). */
  readonly second?: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted.length === 0
      ? Number.NaN
      : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const second = sorted.length >= 2 ? sorted[sorted.length - 2]! : Number.NaN;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), second };
}

function median(values: readonly number[]): number {
  return percentiles(values).p50;
}

/** Why `level` shows distress next to the single-session `baseline`; undefined: it does not. */
export function distress(
  level: LevelFigures,
  baseline: LevelFigures | undefined,
  baselineHandshakeP99: number = baseline?.handshakeMs.p99 ?? Number.NaN,
): string | undefined {
  const n = level.sessions;
  const by = (kind: SessionTrouble["kind"]) => level.troubles.filter((t) => t.kind === kind);
  const statuses = by("status") as Extract<SessionTrouble, { kind: "status" }>[];
  if (statuses.length > 0) {
    const codes = [...new Set(statuses.map((t) => t.status))].join(", ");
    return `guacd sent error status ${codes} to ${statuses.length} of ${n} session(s)`;
  }
  for (const [kind, what] of [
    ["reset", "reset or lost"],
    ["timeout", "timed out in the handshake"],
    ["ended", "ended by guacd"],
  ] as const) {
    const hit = by(kind);
    if (hit.length > 0) return `${hit.length} of ${n} session(s) ${what} (${hit[0]!.message})`;
  }
  if (baseline === undefined || baseline === level) return undefined;
  const slower = (what: string, now: number, base: number, floor = FLOOR_MS): string | undefined =>
    now > 3 * base && now > base + floor
      ? `${what} p99 ${now.toFixed(0)} ms > 3x the single session's ${base.toFixed(0)} ms`
      : undefined;
  const late =
    slower("handshake", level.handshakeMs.p99, baselineHandshakeP99) ??
    slower("time to first frame", level.firstFrameMs.p99, baseline.firstFrameMs.p99);
  if (late !== undefined) return late;
  const base = baseline.inputMs;
  if (level.inputMs.missed > 0 && level.troubles.length === 0) {
    return `${level.inputMs.missed} of ${level.inputMs.sent} key(s) not echoed within ${ECHO_TIMEOUT_MS} ms`;
  }
  // What a person sees decides where the probe measured it; the protocol's echo stands in elsewhere.
  // Where most of the probe's inputs changed nothing (a pointer the client draws), the few
  // changes were the screen's own: no answer to time.
  const answered = (m: LevelFigures["photonMs"]): boolean =>
    m.count > 0 && m.unchanged * 2 <= m.sent;
  // Lag a person feels repeats: one stalled input among a level's dozen is this loaded
  // machine's scheduling, so the slowest but one must pass the bound too.
  const lagging = (what: string, now: Percentiles, base: number): string | undefined => {
    const again = now.second ?? now.p99;
    return slower(what, now.p99, base, INPUT_FLOOR_MS) !== undefined &&
      slower(what, again, base, INPUT_FLOOR_MS) !== undefined
      ? `${what} p99 ${now.p99.toFixed(0)} ms, the next slowest ${again.toFixed(0)} ms, > 3x the single session's ${base.toFixed(0)} ms`
      : undefined;
  };
  if (answered(baseline.photonMs) && answered(level.photonMs)) {
    return lagging("input-to-photon on the probe session,", level.photonMs, baseline.photonMs.p99);
  }
  if (base.count > 0 && level.inputMs.count > 0) {
    const slowInput = lagging("input echo", level.inputMs, base.p99);
    if (slowInput !== undefined) return slowInput;
  }
  return undefined;
}

/** The levels of a ramp up to `max`: 1, 2, 4 … and `max` itself. */
export function rampLevels(max: number): number[] {
  const levels: number[] = [];
  for (let n = 1; n < max; n *= 2) levels.push(n);
  if (max >= 1) levels.push(max);
  return levels;
}

v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function memory(): { heap: number; rss: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

/** The memory measured at a level (after a full GC), and how many sessions were open then. */
export interface LevelMemory {
  readonly heap: number;
  readonly rss: number;
  readonly sessions: number;
}

export interface LevelOptions {
  /** How long the level is held once every session is open. */
  readonly holdMs: number;
  /** How each session is kept in use while the level is held. */
  readonly activity: Activity;
  /** Handshake time limit per session. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly onBytes: (bytes: number) => void;
  /** Follow the first session with a headless display and time its inputs to changed pixels. */
  readonly probe: boolean;
  /** Where pointer moves go, in turn (two or more; else a grid). */
  readonly pointerAt?: readonly { readonly x: number; readonly y: number }[];
}

/**
 * Grows `open` to `n` sessions, opening the new ones one after another (so each handshake is
 * timed against a guacd already carrying the others, not queued behind simultaneous ones), waits
 * for their first frames, holds the level and measures it. Sessions stay open for the next level;
 * the caller closes them.
 */
export async function runLevel(
  target: GuacdTarget,
  open: GuacdSession[],
  n: number,
  previous: LevelMemory,
  options: LevelOptions,
): Promise<LevelFigures> {
  const troubles: SessionTrouble[] = [];
  const fresh: GuacdSession[] = [];
  // From the first handshake on: the probe's first screen is drawn while the level opens.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  while (open.length < n && !options.signal.aborted) {
    try {
      const probe = options.probe && open.length === 0;
      const session = await GuacdSession.open(target, {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        onBytes: options.onBytes,
        pixels: probe,
      });
      // The probe compares pixels only while it waits for an input's answer, not every frame.
      if (session.pixels !== undefined) session.pixels.counting = false;
      open.push(session);
      fresh.push(session);
    } catch (error) {
      troubles.push(troubleOf(error));
      // One refusal is enough to call the level: opening more would only add load.
      break;
    }
  }
  await Promise.all(fresh.map((s) => s.firstFrame(Math.min(options.holdMs, 10_000))));
  const memoryOpen: LevelMemory = { ...memory(), sessions: open.length };
  const added = open.length - previous.sessions;
  const kibPerAdded = (now: number, before: number): number =>
    open.length >= MEMORY_MIN_SESSIONS && added > 0 ? (now - before) / 1024 / added : Number.NaN;
  const cpu = process.cpuUsage();
  const start = open.map((s) => ({ frames: s.frames, bytes: s.bytes }));
  const startedAt = performance.now();
  const input: InputSamples = {
    samples: [],
    sent: 0,
    missed: 0,
    photon: { samples: [], sent: 0, unchanged: 0 },
  };
  if (troubles.length === 0) {
    const until = startedAt + options.holdMs;
    await Promise.all(
      open.map((s, k) =>
        keepInUse(s, k, options.activity, until, options.signal, input, options.pointerAt),
      ),
    );
    // The last input may end before the hold does: the level is held its full time.
    await sleep(Math.max(0, until - performance.now()), options.signal);
  }
  const heldMs = performance.now() - startedAt;
  loop.disable();
  const used = process.cpuUsage(cpu);
  // A level cut short by a refusal was not held: no rates for it.
  const seconds = heldMs >= 100 ? heldMs / 1e3 : Number.NaN;
  const perSession = open.map((s, k) => ({
    fps: (s.frames - start[k]!.frames) / seconds,
    mbps: (s.bytes - start[k]!.bytes) / 1e6 / seconds,
  }));
  const mb = perSession.reduce((sum, s) => sum + s.mbps, 0) * seconds;
  for (const s of open) if (s.trouble !== undefined) troubles.push(s.trouble);
  return {
    sessions: n,
    opened: open.length,
    troubles,
    handshakeMs: percentiles(fresh.map((s) => s.handshakeMs)),
    firstFrameMs: percentiles(fresh.flatMap((s) => s.firstFrameMs ?? [])),
    inputMs: { ...percentiles(input.samples), sent: input.sent, missed: input.missed },
    photonMs: {
      ...percentiles(input.photon.samples),
      sent: input.photon.sent,
      unchanged: input.photon.unchanged,
    },
    fpsPerSession: median(perSession.map((s) => s.fps)),
    mbPerSecondPerSession: median(perSession.map((s) => s.mbps)),
    cpuMsPerMb: (used.user + used.system) / 1e3 / mb,
    heapKibPerSession: kibPerAdded(memoryOpen.heap, previous.heap),
    rssKibPerSession: kibPerAdded(memoryOpen.rss, previous.rss),
    memory: memoryOpen,
    heldMs,
    loopDelayMs: loop.count > 0 ? loop.percentile(99) / 1e6 : Number.NaN,
  };
}

/** Inputs sent while a level is held, over all its sessions, and the probe's pixel timings. */
interface InputSamples {
  readonly samples: number[];
  sent: number;
  missed: number;
  readonly photon: { readonly samples: number[]; sent: number; unchanged: number };
}

/**
 * Uses `session` as a person would until `until`: on a terminal a key every `INPUT_GAP_MS`
 * (jittered, so sessions do not type in step), on a desktop a pointer move; each input timed to
 * the next frame, and on the probe also to the changed pixels where it lands. A desktop may draw
 * nothing for a move (the client draws the cursor): no sample.
 */
async function keepInUse(
  session: GuacdSession,
  index: number,
  activity: Activity,
  until: number,
  signal: AbortSignal,
  input: InputSamples,
  pointerAt: readonly { readonly x: number; readonly y: number }[] = [],
): Promise<void> {
  const at = pointerAt.length >= 2 ? pointerAt : GRID;
  // Start sessions at different moments of the gap.
  await sleep((index * 97) % INPUT_GAP_MS, signal);
  if (activity === "keys" && !ready.has(session)) {
    // A terminal takes keys once it waits at its prompt: keys typed while it logs in land in the
    // login (a telnet password) and are never echoed, which is no lag a user feels.
    await session.quiet(QUIET_MS, Math.max(0, until - performance.now() - ECHO_TIMEOUT_MS));
    ready.add(session);
  }
  let k = index;
  while (performance.now() + ECHO_TIMEOUT_MS / 4 < until && !signal.aborted) {
    if (session.trouble !== undefined) return;
    k++;
    input.sent++;
    if (activity === "keys") {
      // Each session's own count picks the key, so every line starts with `x`: a BackSpace on an
      // empty line draws nothing and would count as a key not echoed.
      const typed = typedBy.get(session) ?? 0;
      typedBy.set(session, typed + 1);
      const keysym = KEYS[typed % 2]!;
      if (session.pixels === undefined) {
        const ms = await session.keystroke(keysym, ECHO_TIMEOUT_MS);
        if (ms === undefined) input.missed++;
        input.samples.push(ms ?? ECHO_TIMEOUT_MS);
      } else {
        const timed = await session.photon({ keysym }, undefined, ECHO_TIMEOUT_MS);
        if (timed.syncMs === undefined) input.missed++;
        input.samples.push(timed.syncMs ?? ECHO_TIMEOUT_MS);
        input.photon.sent++;
        if (timed.pixelsMs === undefined) input.photon.unchanged++;
        input.photon.samples.push(timed.pixelsMs ?? ECHO_TIMEOUT_MS);
      }
    } else {
      const { x, y } = at[k % at.length]!;
      if (session.pixels === undefined) {
        const ms = await session.pointer(x, y, ECHO_TIMEOUT_MS / 4);
        if (ms !== undefined) input.samples.push(ms);
      } else {
        const rect = { x: Math.max(0, x - 32), y: Math.max(0, y - 32), width: 64, height: 64 };
        const timed = await session.photon({ x, y }, rect, ECHO_TIMEOUT_MS / 4);
        if (timed.syncMs !== undefined) input.samples.push(timed.syncMs);
        input.photon.sent++;
        if (timed.pixelsMs === undefined) input.photon.unchanged++;
        else input.photon.samples.push(timed.pixelsMs);
      }
    }
    await sleep(INPUT_GAP_MS * (0.75 + ((k * 37) % 50) / 100), signal);
  }
}

/** Pointer positions for a screen with no still place found. */
export const GRID: readonly { readonly x: number; readonly y: number }[] = Array.from(
  { length: 8 },
  (_, k) => ({ x: 100 + (k % 8) * 40, y: 100 + (k % 5) * 40 }),
);

/** Sessions past their first wait for a quiet screen (they stay open from level to level). */
const ready = new WeakSet<GuacdSession>();

/** Keys each session has typed, across levels (a session stays open from level to level). */
const typedBy = new WeakMap<GuacdSession, number>();

/** Sleeps, cut short by `signal`. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The ramp's outcome: every level run, the capacity and why it stopped. */
export interface RampResult {
  readonly levels: readonly LevelFigures[];
  /** The largest level without distress (0: not even one session was healthy). */
  readonly capacity: number;
  /** "at N session(s): <distress>", or "because …" (the cap, the budget, an interrupt). */
  readonly stopReason: string;
  /** The same in a few words, for a table cell or a chart label. */
  readonly stopShort: string;
}

export interface RampOptions {
  readonly maxSessions: number;
  /** How each session is kept in use while a level is held. @default "pointer" */
  readonly activity?: Activity;
  /** Per level: how long to hold it (the caller derives it from the budget). */
  readonly holdMs: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Whether there is time for another level of this size (checked before each). */
  readonly timeLeftFor: (sessions: number) => boolean;
  readonly onBytes: (bytes: number) => void;
  /** p99 of sequential single-session handshakes, the handshake baseline (else level 1's). */
  readonly handshakeBaselineMs?: number;
  /**
   * Follow the ramp's first session with a headless display and time its inputs to changed pixels
   * (input-to-photon), which then decides input distress. The display's drawing runs in this
   * process, beside every other session's reading: the caller decides it is affordable (see
   * `PROBE_LAG_MS`). @default false
   */
  readonly probe?: boolean;
  /**
   * Where pointer moves go, in turn: places where the screen stayed still (see `one-session.ts`),
   * so the probe's photons answer the moves. @default a grid
   */
  readonly pointerAt?: readonly { readonly x: number; readonly y: number }[];
  /** Called when a level starts and when it ended. */
  readonly onLevel?: (sessions: number, figures?: LevelFigures, verdict?: string) => void;
}

export async function ramp(target: GuacdTarget, options: RampOptions): Promise<RampResult> {
  const levels: LevelFigures[] = [];
  let capacity = 0;
  let stopReason = `because it reached --max-sessions ${options.maxSessions}`;
  let stopShort = `reached --max-sessions ${options.maxSessions}`;
  const open: GuacdSession[] = [];
  const probe = options.probe ?? false;
  let previous: LevelMemory = { ...memory(), sessions: 0 };
  try {
    for (const n of rampLevels(options.maxSessions)) {
      if (options.signal.aborted) {
        stopReason = "because it was interrupted";
        stopShort = "interrupted";
        break;
      }
      if (!options.timeLeftFor(n)) {
        stopReason = `because the time budget left no time for ${n} sessions`;
        stopShort = `no time left for ${n}`;
        break;
      }
      options.onLevel?.(n);
      const figures = await runLevel(target, open, n, previous, {
        ...options,
        activity: options.activity ?? activityOf(target.protocol),
        probe,
      });
      levels.push(figures);
      previous = figures.memory;
      const why = options.signal.aborted
        ? "interrupted"
        : distress(figures, levels[0], options.handshakeBaselineMs ?? levels[0]!.handshakeMs.p99);
      options.onLevel?.(n, figures, why);
      if (why !== undefined) {
        stopReason = `at ${n} session(s): ${why}`;
        stopShort = `at ${n}: ${why.replace(/ \(.*$/, "").replace(/ session\(s\)/g, "")}`;
        break;
      }
      capacity = n;
    }
  } finally {
    await Promise.all(open.map((s) => s.close()));
  }
  return {
    levels,
    capacity,
    stopReason,
    stopShort,
  };
}
