// Tests control time; where one truly has to wait on the wall clock (another process, a real
// socket's timer, a browser), it waits here, so the suite's total real sleeping is counted and
// printed at the end of `npm test`.
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

let sleptMs = 0;

/** Milliseconds this process has spent in {@link sleepReal} so far. */
export function realSleptMs(): number {
  return sleptMs;
}

/**
 * Waits `ms` of real time, and counts it toward the suite's total.
 *
 * @example
 * ```ts ignore
 * await sleepReal(50); // let the child process's timer fire
 * ```
 */
export function sleepReal(ms: number): Promise<void> {
  sleptMs += ms;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Appends this process's tally to `<dir>/real-sleeps.jsonl` and resets it; the test runner sums the
 * lines. Called after each test file by the vitest setup.
 */
export function flushRealSleeps(dir: string, file: string): void {
  if (sleptMs === 0) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, "real-sleeps.jsonl"), `${JSON.stringify({ file, ms: sleptMs })}\n`);
  sleptMs = 0;
}
