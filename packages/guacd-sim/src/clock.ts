// Every timer and timestamp of the simulator goes through one Clock, so a test can drive time
// (an injected clock, or vitest's fake timers, which this default reaches).

/** A timer handle as {@linkcode Clock.setTimeout} and {@linkcode Clock.setInterval} return it. */
export type TimerHandle = unknown;

/**
 * Where the simulator reads the time and schedules its timers: handshake and client timeouts,
 * keep-alive, realtime pacing, the throttle and the close grace.
 */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
  /** Calls `callback` once after `ms`. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a {@linkcode Clock.setTimeout} that has not fired yet. */
  clearTimeout(handle: TimerHandle): void;
  /** Calls `callback` every `ms`. */
  setInterval(callback: () => void, ms: number): TimerHandle;
  /** Stops a {@linkcode Clock.setInterval}. */
  clearInterval(handle: TimerHandle): void;
}

/**
 * The wall clock: the global `Date.now` and timer functions, looked up at each call, so vitest's
 * fake timers reach a simulator that uses it.
 *
 * @example A clock on which every timer fires at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Clock, GuacdSimulator, systemClock } from "@guacstream/guacd-sim";
 * // The 15 s handshake timeout passes without waiting.
 * const hurried: Clock = { ...systemClock, setTimeout: (callback) => systemClock.setTimeout(callback, 0) };
 * const sim = new GuacdSimulator({ corpus: { args: {}, recordings: {} }, clock: hurried });
 * const toServer = new TransformStream<Uint8Array, Uint8Array>();
 * const toClient = new TransformStream<Uint8Array, Uint8Array>();
 * const report = await sim.serve({ readable: toServer.readable, writable: toClient.writable });
 * assert.equal(report.end?.reason, "handshake-timeout");
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof setInterval>),
};
