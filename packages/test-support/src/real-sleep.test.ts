import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { flushRealSleeps, realSleptMs, sleepReal } from "./real-sleep.ts";

let dir: string;
beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), "real-sleep-"));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

test("counts each sleep, then writes the file's total once and starts again", async () => {
  const before = realSleptMs();
  const slept = Promise.all([sleepReal(30), sleepReal(12)]);
  await vi.advanceTimersByTimeAsync(30);
  await slept;
  expect(realSleptMs() - before).toBe(42);

  flushRealSleeps(dir, "a.test.ts");
  expect(realSleptMs()).toBe(0);
  flushRealSleeps(dir, "b.test.ts"); // nothing slept: no line
  const lines = readFileSync(join(dir, "real-sleeps.jsonl"), "utf8").trim().split("\n");
  expect(lines.map((line) => JSON.parse(line))).toEqual([{ file: "a.test.ts", ms: before + 42 }]);
});
