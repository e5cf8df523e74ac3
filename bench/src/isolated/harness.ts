/**
 * The isolated-process harness for the codec bench. Each (case, input) runs alone in its own
 * child process (`case-child.ts`), so no other case's JIT feedback, inline caches or heap shape
 * it. Method:
 * 1. Every child loads the input, runs its case once (the checking run: counts are compared; a
 *    case that throws is not timed) and sizes a pass (tiny inputs repeat the run until a pass lasts
 *    `minPassMs`).
 * 2. Each child warms up alone, one after another, until steady: the coefficient of variation of
 *    its last 10 passes under 5%, or 25 passes. The whole warm-up curve is kept. Passes are timed
 *    in the process's own CPU time (user + system), wall time kept beside: on a machine shared
 *    with other work, wall time also counts the time a process waited for a core.
 * 3. Rounds: in each, the cases take turns one pass at a time (an order that rotates each
 *    round), `passesPerRound` turns; a case's round value is the fastest of its passes (on a
 *    shared machine, load only ever adds time). Per round, each case's ratio to the reference
 *    (upstream + string_decoder) = reference ms / case ms: passes next to each other in time, so
 *    load that swings between rounds weighs on both sides of a ratio alike. Reported: the median
 *    of the per-round ratios with their spread (min, max, quartiles).
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Outcome } from "../codec/cases/index.ts";
import type { FromChild, ToChild } from "./protocol.ts";
import { median, type Spread, spread, WARMUP_RULE, type WarmupRule } from "./steady.ts";

/** How hard the isolated harness measures. */
export interface IsolatedOptions {
  readonly rounds: number;
  readonly passesPerRound: number;
  readonly minPassMs: number;
  readonly rule: WarmupRule;
  readonly chunkBytes: number;
}

/** The full run: 10 rounds of 3 passes, a pass at least 20 ms. */
export const ISOLATED_FULL: Omit<IsolatedOptions, "chunkBytes"> = {
  rounds: 10,
  passesPerRound: 3,
  minPassMs: 20,
  rule: WARMUP_RULE,
};

/** The default run: 4 rounds of 3 passes, a pass at least 10 ms. */
export const ISOLATED_DEFAULT: Omit<IsolatedOptions, "chunkBytes"> = {
  rounds: 4,
  passesPerRound: 3,
  minPassMs: 10,
  rule: WARMUP_RULE,
};

/** `--quick`: 3 rounds of 2 passes, a pass at least 10 ms. */
export const ISOLATED_QUICK: Omit<IsolatedOptions, "chunkBytes"> = {
  rounds: 3,
  passesPerRound: 2,
  minPassMs: 10,
  rule: WARMUP_RULE,
};

/** One case's results on one input. */
export interface IsolatedCase {
  readonly id: string;
  /** The process it ran in (each case has its own). */
  readonly pid: number;
  readonly outcome: Outcome;
  readonly bytesPerRun: number;
  readonly runsPerPass: number;
  /** ms per run of each warm-up pass; `steady` false when 25 passes came before a CV under 5%. */
  readonly warmup: {
    readonly curve: number[];
    readonly wallCurve: number[];
    readonly steady: boolean;
    readonly cv: number;
  };
  /**
   * The case's value in each round, in round order: the fastest of its passes, in CPU ms per run
   * (user + system time of its process, which a busy machine inflates far less than wall time).
   */
  readonly roundMs: number[];
  /** The same in wall-clock ms. */
  readonly roundWallMs: number[];
  readonly ms: Spread;
  /** MB/s from the median round. */
  readonly mbPerS: number;
  /** Per-round ratio to the reference (reference ms / this ms; > 1: faster), with its spread. */
  readonly ratio: Spread | null;
  readonly roundRatios: number[];
  readonly gcMsPerRun: number | null;
}

/** Every case's results on one input. */
export interface IsolatedInput {
  readonly input: string;
  readonly reference: string;
  readonly cases: IsolatedCase[];
  /** Cases that failed their checking run or crashed: id → message. */
  readonly failed: Record<string, string>;
}

const CHILD = fileURLToPath(new URL("./case-child.ts", import.meta.url));
const TSX_FLAGS = ["--import", "tsx", "--conditions=@guacstream/source"];

/** A child process running one case, with a promise per request. */
class CaseChild {
  readonly id: string;
  readonly #child: ChildProcess;
  #pending: { resolve: (m: FromChild) => void; reject: (e: Error) => void } | undefined;

  constructor(id: string) {
    this.id = id;
    this.#child = fork(CHILD, [], {
      execArgv: TSX_FLAGS,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.#child.on("message", (message: FromChild) => {
      const pending = this.#pending;
      this.#pending = undefined;
      if (message.type === "failed") pending?.reject(new Error(message.message));
      else pending?.resolve(message);
    });
    this.#child.on("exit", (code) => {
      this.#pending?.reject(new Error(`Cannot run ${id}: its process exited with ${code}`));
      this.#pending = undefined;
    });
  }

  request<T extends FromChild["type"]>(
    message: ToChild,
    expect: T,
  ): Promise<Extract<FromChild, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.#pending = {
        resolve: (m) =>
          m.type === expect
            ? resolve(m as Extract<FromChild, { type: T }>)
            : reject(new Error(`Cannot run ${this.id}: expected ${expect}, got ${m.type}`)),
        reject,
      };
      this.#child.send(message);
    });
  }

  close(): void {
    if (this.#child.exitCode === null && this.#child.connected) this.#child.send({ type: "exit" });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs `caseIds` on one input, each in its own process, and reports them against `reference`
 * (one of `caseIds`). `progress` gets a line per stage.
 */
export async function runIsolated(
  input: string,
  caseIds: readonly string[],
  reference: string,
  options: IsolatedOptions,
  progress: (line: string) => void = () => {},
): Promise<IsolatedInput> {
  const children = caseIds.map((id) => new CaseChild(id));
  const failed: Record<string, string> = {};
  try {
    const ready = new Map<string, Extract<FromChild, { type: "ready" }>>();
    // Start-up and the checking run in parallel: nothing is timed yet.
    await Promise.all(
      children.map(async (child) => {
        try {
          const r = await child.request(
            {
              type: "init",
              input,
              chunkBytes: options.chunkBytes,
              caseId: child.id,
              minPassMs: options.minPassMs,
            },
            "ready",
          );
          if (r.outcome.error !== undefined) failed[child.id] = r.outcome.error;
          else ready.set(child.id, r);
        } catch (error) {
          failed[child.id] = message(error);
        }
      }),
    );
    const live = children.filter((c) => ready.has(c.id));
    const warmups = new Map<string, Extract<FromChild, { type: "warmed" }>>();
    progress(`warming up ${live.length} cases`);
    for (const child of live) {
      warmups.set(child.id, await child.request({ type: "warmup", rule: options.rule }, "warmed"));
    }
    const roundMs = new Map<string, number[]>(live.map((c) => [c.id, []]));
    const roundWallMs = new Map<string, number[]>(live.map((c) => [c.id, []]));
    const gc = new Map<string, number[]>(live.map((c) => [c.id, []]));
    for (let round = 0; round < options.rounds; round++) {
      progress(`round ${round + 1}/${options.rounds}`);
      const shift = round % live.length;
      const order = [...live.slice(shift), ...live.slice(0, shift)];
      const passes = new Map<string, number[]>(live.map((c) => [c.id, []]));
      const walls = new Map<string, number[]>(live.map((c) => [c.id, []]));
      for (let turn = 0; turn < options.passesPerRound; turn++) {
        for (const child of order) {
          const timed = await child.request({ type: "time", passes: 1 }, "timed");
          passes.get(child.id)!.push(...timed.ms);
          walls.get(child.id)!.push(...timed.wallMs);
          if (timed.gcMsPerRun !== null) gc.get(child.id)!.push(timed.gcMsPerRun);
        }
      }
      for (const child of live) {
        roundMs.get(child.id)!.push(Math.min(...passes.get(child.id)!));
        roundWallMs.get(child.id)!.push(Math.min(...walls.get(child.id)!));
      }
    }
    const refRounds = roundMs.get(reference);
    const cases: IsolatedCase[] = live.map((child) => {
      const r = ready.get(child.id)!;
      const rounds = roundMs.get(child.id)!;
      const roundRatios = refRounds === undefined ? [] : rounds.map((ms, k) => refRounds[k]! / ms);
      const ms = spread(rounds);
      const gcs = gc.get(child.id)!;
      return {
        id: child.id,
        pid: r.pid,
        outcome: r.outcome,
        bytesPerRun: r.bytesPerRun,
        runsPerPass: r.reps,
        warmup: warmups.get(child.id)!,
        roundMs: rounds,
        roundWallMs: roundWallMs.get(child.id)!,
        ms,
        mbPerS: r.bytesPerRun / 1e6 / (ms.median / 1e3),
        ratio: refRounds === undefined ? null : spread(roundRatios),
        roundRatios,
        gcMsPerRun: gcs.length === 0 ? null : median(gcs),
      };
    });
    return { input, reference, cases, failed };
  } finally {
    for (const child of children) child.close();
  }
}
