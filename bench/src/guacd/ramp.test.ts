import { guacdLikeOptions, Recording } from "@guacstream/guacd-sim";
import { loadCorpus, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { describe, expect, test } from "vitest";
import { corpusDir } from "../harness/corpus.ts";
import { openSessions } from "../harness/open-sessions.ts";
import {
  distress,
  FLOOR_MS,
  INPUT_FLOOR_MS,
  type LevelFigures,
  percentiles,
  ramp,
  rampLevels,
} from "./ramp.ts";

const level = (over: Partial<LevelFigures> = {}): LevelFigures => ({
  sessions: 1,
  opened: 1,
  troubles: [],
  handshakeMs: percentiles([10]),
  firstFrameMs: percentiles([100]),
  inputMs: { ...percentiles([20]), sent: 1, missed: 0 },
  photonMs: { ...percentiles([]), sent: 0, unchanged: 0 },
  fpsPerSession: 20,
  mbPerSecondPerSession: 1,
  cpuMsPerMb: 10,
  heapKibPerSession: Number.NaN,
  rssKibPerSession: Number.NaN,
  heldMs: 1000,
  memory: { heap: 0, rss: 0, sessions: 1 },
  loopDelayMs: 10,
  ...over,
});

describe("the capacity ramp", () => {
  test("levels double up to the cap, which is always the last", () => {
    expect(rampLevels(16)).toEqual([1, 2, 4, 8, 16]);
    expect(rampLevels(12)).toEqual([1, 2, 4, 8, 12]);
    expect(rampLevels(1)).toEqual([1]);
  });

  test("percentiles are nearest-rank", () => {
    const p = percentiles(Array.from({ length: 100 }, (_, k) => k + 1));
    expect([p.p50, p.p95, p.p99]).toEqual([50, 95, 99]);
  });

  test("distress: a status, a reset, 3x slower handshakes, first frames or input echo, a missed key", () => {
    const base = level();
    expect(distress(level({ sessions: 8 }), base)).toBeUndefined();
    expect(
      distress(level({ troubles: [{ kind: "status", status: 776, message: "x" }] }), base),
    ).toMatch(/status 776/);
    expect(distress(level({ troubles: [{ kind: "reset", message: "ECONNRESET" }] }), base)).toMatch(
      /reset/,
    );
    const slow = 10 + FLOOR_MS + 1;
    expect(distress(level({ handshakeMs: percentiles([slow]) }), base)).toMatch(/handshake p99/);
    // 3x, but within the noise floor: not distress.
    expect(distress(level({ handshakeMs: percentiles([40]) }), base)).toBeUndefined();
    expect(distress(level({ firstFrameMs: percentiles([100 + FLOOR_MS + 1]) }), base)).toMatch(
      /first frame/,
    );
    // 3x the first frame, but less than a second later: a person does not feel it.
    expect(distress(level({ firstFrameMs: percentiles([FLOOR_MS]) }), base)).toBeUndefined();
    const echo = (ms: number, missed = 0) => ({ ...percentiles([ms, ms]), sent: 4, missed });
    expect(distress(level({ inputMs: echo(20 + INPUT_FLOOR_MS + 1) }), base)).toMatch(
      /input echo p99/,
    );
    // 3x, but not yet lag a person feels: not distress.
    expect(distress(level({ inputMs: echo(20 + INPUT_FLOOR_MS - 1) }), base)).toBeUndefined();
    expect(distress(level({ inputMs: echo(2000, 1) }), base)).toMatch(/1 of 4 key\(s\) not echoed/);
    // An idle screen sending fewer frames is not distress.
    expect(distress(level({ fpsPerSession: 0.5 }), base)).toBeUndefined();
  });

  test("distress: where the probe session saw pixels answer, its input-to-photon decides", () => {
    const photon = (...ms: number[]) => ({ ...percentiles(ms), sent: 4, unchanged: 0 });
    const base = level({ photonMs: photon(30) });
    const lagging = 30 + INPUT_FLOOR_MS + 1;
    expect(distress(level({ sessions: 8, photonMs: photon(30, lagging, lagging) }), base)).toMatch(
      /^input-to-photon on the probe session, p99 231 ms, the next slowest 231 ms, > 3x the single session's 30 ms$/,
    );
    // One stalled input among many is the machine, not lag a person feels.
    expect(distress(level({ sessions: 8, photonMs: photon(30, 30, 900) }), base)).toBeUndefined();
    // A slow sync echo with pixels still answering in time is not what a person sees.
    const slow = 20 + INPUT_FLOOR_MS + 1;
    const echo = { ...percentiles([slow, slow]), sent: 4, missed: 0 };
    expect(distress(level({ inputMs: echo, photonMs: photon(35) }), base)).toBeUndefined();
    // Without pixel samples (a desktop drawing no cursor), the sync echo stands in.
    const none = { ...percentiles([]), sent: 4, unchanged: 4 };
    expect(distress(level({ inputMs: echo, photonMs: none }), base)).toMatch(/^input echo p99/);
    // Most moves changing nothing: the one change was the screen's own, and the echo decides.
    const stray = { ...percentiles([lagging, lagging]), sent: 4, unchanged: 3 };
    expect(distress(level({ inputMs: echo, photonMs: stray }), base)).toMatch(/^input echo p99/);
  });

  test("against a guacd-like simulator capped at 3 sessions, the ramp stops at 4 and reports 2", async () => {
    const corpus = await loadCorpus(corpusDir());
    // Frame the 13 MB recording before the clock runs: this simulator shares the test's process.
    Recording.from(corpus.recordings["vnc-desktop"]!);
    const sim = await startGuacdSimulator({ corpus, ...guacdLikeOptions({ maxSessions: 3 }) });
    try {
      const target = {
        name: "vnc",
        host: sim.host,
        port: sim.port,
        protocol: "vnc",
        parameters: { hostname: "desktop", port: "5900" },
      };
      const result = await ramp(target, {
        maxSessions: 8,
        holdMs: 300,
        timeoutMs: 5000,
        signal: new AbortController().signal,
        timeLeftFor: () => true,
        onBytes: () => {},
      });
      expect(result.levels.map((l) => l.sessions)).toEqual([1, 2, 4]);
      expect(result.capacity).toBe(2);
      expect(result.stopReason).toMatch(/^at 4 session\(s\): 1 of 4 session\(s\) reset/);
      expect(result.levels[0]!.fpsPerSession).toBeGreaterThan(1);
      expect(result.levels[0]!.firstFrameMs.count).toBe(1);
      // Every session the ramp opened was ended by the client's disconnect.
      await sim.simulator.waitForReports(4);
      expect(sim.sessions).toEqual([]);
      const reasons = sim.reports.map((r) => r.end?.reason).sort();
      expect(reasons).toEqual([
        "client-disconnect",
        "client-disconnect",
        "client-disconnect",
        "over-capacity",
      ]);
      expect(openSessions.count).toBe(0);
    } finally {
      await sim.close();
    }
  });
});
