import { describe, expect, test } from "vitest";
import { firstNumber, markBytes, opcodePrefix, startsWith } from "./mark.ts";
import {
  BROKER_QUICK,
  type BrokerPlan,
  brokerTargets,
  makeTokens,
  type RelayRun,
  runRelay,
  startSimulator,
} from "./section.ts";

describe("broker bench: marks", () => {
  test("a mark carries the microseconds it was made with, and the client reads them back", () => {
    const mark = markBytes(1_700_000_000_123_456);
    expect(new TextDecoder().decode(mark)).toBe("10.bench-mark,16.1700000000123456;");
    const prefix = opcodePrefix("bench-mark");
    expect(startsWith(mark, 0, mark.length, prefix)).toBe(true);
    expect(startsWith(mark, 0, mark.length, opcodePrefix("sync"))).toBe(false);
    expect(firstNumber(mark, prefix.length, mark.length)).toBe(1_700_000_000_123_456);
  });

  test("a first argument that is not N.digits reads as NaN, not as a number", () => {
    const bytes = new TextEncoder().encode("4.sync,3.1x3;");
    expect(firstNumber(bytes, 7, bytes.length)).toBeNaN();
    const cut = new TextEncoder().encode("4.sync,9.12;");
    expect(firstNumber(cut, 7, cut.length)).toBeNaN();
  });
});

function run(relay: RelayRun["relay"], cpuMsPerMB: number, rss: number, p99: number): RelayRun {
  return {
    relay,
    sessions: 50,
    pace: "paced",
    opened: 50,
    seconds: 1,
    mbRelayed: 10,
    mbPerS: 10,
    cpuMs: cpuMsPerMB * 10,
    cpuMsPerMB,
    rssBaselineMB: 50,
    rssMB: 50 + rss * 50,
    rssPerSessionMB: rss,
    heapPerSessionMB: rss / 2,
    latencyMs: { p50: p99 / 2, p99, samples: 100 },
    errors: [],
  };
}

describe("broker bench: targets", () => {
  test("ours is held to 1/3 of lite's CPU/MB, 1/2 its RSS, its p99, and 1.3x the floor's CPU/MB", () => {
    const targets = brokerTargets([
      run("ours", 1.2, 0.2, 10),
      run("lite", 3, 0.5, 9),
      run("floor", 1, 0.1, 5),
    ]);
    expect(targets.map((t) => [t.case, t.met])).toEqual([
      ["CPU ms/MB <= 1/3", false],
      ["RSS/session <= 1/2", true],
      ["latency p99 no worse", false],
      ["CPU ms/MB <= 1.3x floor", true],
    ]);
    expect(targets[0]!.ratio).toBeCloseTo(2.5);
  });
});

describe("broker bench: live", () => {
  test("every relay carries a session from the simulator to the client, with marks and CPU time", async () => {
    const plan: BrokerPlan = {
      ...BROKER_QUICK,
      warmMs: 100,
      settleMs: 100,
      windowMs: { paced: 500, fast: 500 },
    };
    const sim = await startSimulator();
    try {
      const tokens = await makeTokens();
      for (const relay of ["ours", "lite", "floor"] as const) {
        const result = await runRelay(relay, 1, "fast", sim.port, tokens, plan);
        expect(result.errors, relay).toEqual([]);
        expect(result.opened, relay).toBe(1);
        expect(result.mbRelayed, relay).toBeGreaterThan(0.1);
        expect(result.cpuMs, relay).toBeGreaterThan(0);
        expect(result.latencyMs.samples, relay).toBeGreaterThan(0);
        expect(Number.isFinite(result.latencyMs.p50), relay).toBe(true);
      }
    } finally {
      await sim.close();
    }
  }, 60_000);
});
