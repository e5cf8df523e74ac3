/**
 * Calls `onStop` with the signal's reason once `signal` aborts (the attempt's deadline or the
 * caller's abort), and returns the function that stops listening: a transport calls it as soon
 * as the phase it guards is over, so a finished phase is never torn down.
 *
 * @example A phase that gives up when the attempt stops
 * ```ts
 * import assert from "node:assert/strict";
 * import { whenStopped } from "@guacstream/codec/transport";
 *
 * const stop = new AbortController();
 * const phase = new Promise((_, reject) => whenStopped(stop.signal, reject));
 * let late = 0;
 * const detach = whenStopped(stop.signal, () => late++);
 * detach(); // that phase was over before the stop
 * stop.abort(new Error("deadline"));
 * await assert.rejects(phase, { message: "deadline" });
 * assert.equal(late, 0);
 * ```
 */
export function whenStopped(signal: AbortSignal, onStop: (reason: unknown) => void): () => void {
  const listener = (): void => onStop(signal.reason);
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}
