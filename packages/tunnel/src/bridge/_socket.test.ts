import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { FakeBrowser } from "../_test-utils.ts";
import { SocketAdapter } from "./_socket.ts";

const MiB = 1024 * 1024;
const LIMITS = { budget: MiB, maxMessagesPerSecond: 5000, highWaterMark: MiB, closeGrace: 1000 };

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

/**
 * A socket whose buffer is full, and whether its `drained(lowWater)` has resolved (and how);
 * `buffered` is what the socket says it holds, `reads` how often it was asked.
 */
function fullSocket(lowWater: number) {
  const browser = new FakeBrowser();
  const state = { drained: undefined as boolean | undefined, buffered: 2 * MiB, reads: 0 };
  Object.defineProperty(browser, "bufferedAmount", {
    get: () => {
      state.reads++;
      return state.buffered;
    },
  });
  const socket = new SocketAdapter(browser, LIMITS);
  void socket.drained(lowWater).then((open) => {
    state.drained = open;
  });
  return { browser, state };
}

it("a buffer the runtime empties by the event loop's next turn is seen empty then, not a tick later", async () => {
  const { state } = fullSocket(MiB / 2);
  state.buffered = 0;
  // No time passes: only what is due now runs (the next turn, not a 1 ms timer).
  await vi.advanceTimersByTimeAsync(0);
  expect(state.drained).toBe(true);
});

it("a buffer that stays full is polled by timers that back off, until it drains", async () => {
  const { state } = fullSocket(MiB / 2);
  await vi.advanceTimersByTimeAsync(0);
  expect(state.drained).toBeUndefined();
  // The checks stop coming each turn: a second of a stuck browser costs a few dozen of them.
  await vi.advanceTimersByTimeAsync(1000);
  expect(state.reads).toBeGreaterThan(30);
  expect(state.reads).toBeLessThan(60);
  expect(state.drained).toBeUndefined();
  state.buffered = MiB / 2;
  await vi.advanceTimersByTimeAsync(25);
  expect(state.drained).toBe(true);
});

it("resolves false once the socket closes with its buffer still full", async () => {
  const { browser, state } = fullSocket(0);
  await vi.advanceTimersByTimeAsync(10);
  browser.browserClose();
  await vi.advanceTimersByTimeAsync(25);
  expect(state.drained).toBe(false);
});
