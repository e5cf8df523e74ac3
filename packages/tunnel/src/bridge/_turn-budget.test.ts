import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { TurnBudget } from "./_turn-budget.ts";

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

function socket(canPause = true) {
  const state = { paused: false, pauses: 0, resumes: 0 };
  const budget = new TurnBudget(
    64 * 1024,
    () => {
      if (!canPause) return false;
      state.paused = true;
      state.pauses++;
      return true;
    },
    () => {
      state.paused = false;
      state.resumes++;
    },
  );
  return { state, budget };
}

it("a browser that sends past the budget in one turn is held until the next turn", () => {
  const { state, budget } = socket();
  for (let i = 0; i < 60; i++) budget.take(1200); // 72 000 bytes in one turn
  expect(state).toEqual({ paused: true, pauses: 1, resumes: 0 });
  vi.advanceTimersByTime(1);
  expect(state).toEqual({ paused: false, pauses: 1, resumes: 1 });
  // The next turn starts from nothing: under the budget, it reads on.
  for (let i = 0; i < 50; i++) budget.take(1200);
  expect(state.paused).toBe(false);
});

it("an honest browser's few bytes a turn never pause it", () => {
  const { state, budget } = socket();
  for (let turn = 0; turn < 100; turn++) {
    for (let i = 0; i < 10; i++) budget.take(20); // syncs and mouse moves
    vi.advanceTimersByTime(1);
  }
  expect(state.pauses).toBe(0);
});

it("a socket that cannot pause is only counted, and a stopped budget releases nothing", () => {
  const cannot = socket(false);
  cannot.budget.take(1 << 20);
  vi.advanceTimersByTime(1);
  expect(cannot.state.resumes).toBe(0);
  const stopped = socket();
  stopped.budget.take(1 << 20);
  stopped.budget.stop();
  vi.advanceTimersByTime(1);
  expect(stopped.state).toEqual({ paused: true, pauses: 1, resumes: 0 });
});
