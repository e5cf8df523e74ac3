import { describe, expect, test } from "vitest";
import { figuresOf, viewsOf } from "./figures.ts";
import type { TargetResult } from "./result.ts";

const photon = (p50: number, p95: number, p99: number) => ({
  count: 10,
  p50,
  p95,
  p99,
  sent: 10,
  unchanged: 0,
});

const result: TargetResult = {
  target: "shell",
  protocol: "ssh",
  handshakes: { count: 10, p50: 20, p95: 30, p99: 40, failures: [] },
  ramp: undefined,
  input: { count: 10, p50: 30, p95: 40, p99: 50, activity: "keys", sent: 10, missed: 0 },
  pixels: {
    firstScreenMs: 800,
    photonMs: photon(31, 42, 53),
    changingFps: 2,
    allFps: 2,
    bytesPerChangedPixel: 0.5,
    lossyShare: 0,
    imageBytes: 1000,
    cpuMsPerSecond: 120,
    loopDelayMs: 20,
    pointerAt: [],
    cursorFromGuacd: false,
  },
  browser: { photonMs: photon(36, 47, 58), cpuMsPerSecond: 104, brokerCpuMsPerSecond: 8 },
  measuredBy: "sync-based",
};

describe("the guacd figures of two clients", () => {
  test("each client's p99 is a headline whose note holds its p50, p95 and CPU", () => {
    const headlines = figuresOf([result]).filter((f) => f.headline && f.unit === "ms");
    expect(headlines.map((f) => [f.label, f.value, f.note])).toEqual([
      ["shell handshake p99", 40, undefined],
      ["shell key to photon p99", 53, "p50 31 ms, p95 42 ms; CPU 120 ms/s"],
      [
        "shell key to photon p99, guacamole-common-js",
        58,
        "p50 36 ms, p95 47 ms; CPU 104 ms/s; broker 8 ms/s",
      ],
    ]);
  });

  test("the clients' chart holds both clients' percentiles, side by side, by series", () => {
    const figures = figuresOf([result]);
    const [view] = viewsOf(figures);
    const byId = new Map(figures.map((f) => [f.id, f]));
    expect(view!.ids.map((id) => [byId.get(id)!.value, view!.series![id]])).toEqual([
      [31, "guacstream + headless display"],
      [36, "guacamole-common-js in Chromium"],
      [42, "guacstream + headless display"],
      [47, "guacamole-common-js in Chromium"],
      [53, "guacstream + headless display"],
      [58, "guacamole-common-js in Chromium"],
    ]);
  });

  test("a desktop whose pointer no move could change says n/a and why, not a latency", () => {
    const none = { ...photon(Number.NaN, Number.NaN, Number.NaN), count: 0, unchanged: 10 };
    const rdp: TargetResult = {
      ...result,
      target: "rdp",
      protocol: "rdp",
      input: { ...result.input!, activity: "pointer" },
      pixels: { ...result.pixels!, photonMs: none, cursorFromGuacd: true },
      browser: { photonMs: none, cpuMsPerSecond: 104, brokerCpuMsPerSecond: 8 },
    };
    const p99s = figuresOf([rdp]).filter((f) => f.label.includes("pointer to photon p99"));
    expect(p99s.map((f) => Number.isNaN(f.value))).toEqual([true, true]);
    for (const f of p99s) {
      expect(f.note).toMatch(
        /^n\/a: no move changed a pixel where it landed; guacd sent a cursor image for the client to draw over the screen/,
      );
    }
  });

  test("most moves changing nothing is n/a too: the few changes are the screen's own", () => {
    const few = { ...photon(50, 400, 400), count: 2, sent: 20, unchanged: 18 };
    const rdp = { ...result, input: { ...result.input!, activity: "pointer" } };
    const { browser: _, ...ours } = { ...rdp, pixels: { ...rdp.pixels!, photonMs: few } };
    const p99 = figuresOf([ours]).find((f) => f.label.endsWith("pointer to photon p99"));
    expect([Number.isNaN(p99!.value), p99!.note]).toEqual([
      true,
      "n/a: 18 of 20 moves changed no pixel where they landed; moves on a grid: no place stayed still for 1 s",
    ]);
    // Half or more answered: a latency, with the misses in the note (these moves went to a grid).
    const half = { ...few, count: 10, unchanged: 10 };
    const { browser: __, ...shown } = { ...rdp, pixels: { ...rdp.pixels!, photonMs: half } };
    const answered = figuresOf([shown]).find((f) => f.label.endsWith("pointer to photon p99"));
    expect([answered!.value, answered!.note]).toEqual([
      400,
      "10 of 20 changed nothing; moves on a grid: no place stayed still for 1 s",
    ]);
    const still = [
      { x: 32, y: 32 },
      { x: 96, y: 32 },
    ];
    const { browser: ___, ...placed } = {
      ...rdp,
      pixels: { ...rdp.pixels!, photonMs: half, pointerAt: still },
    };
    const onStill = figuresOf([placed]).find((f) => f.label.endsWith("pointer to photon p99"));
    expect(onStill!.note).toBe("10 of 20 changed nothing");
  });

  test("where the photon cannot be told apart, it is n/a with the reason, not a latency", () => {
    const simulated = { ...result, browser: undefined, photonNa: "n/a on the simulator" };
    const { browser: _, ...ours } = simulated;
    const photons = figuresOf([ours]).filter((f) => f.label.includes("to photon"));
    expect(photons.map((f) => [Number.isNaN(f.value), f.note])).toEqual([
      [true, undefined],
      [true, undefined],
      [true, "n/a on the simulator"],
    ]);
  });

  test("a browser that did not run says why, and no chart compares", () => {
    const skipped = { ...result, browser: { skipped: "no Chromium" } };
    const figures = figuresOf([skipped]);
    expect(figures.find((f) => f.label.endsWith("p99, guacamole-common-js"))?.note).toBe(
      "not run: no Chromium",
    );
    expect(viewsOf(figures)).toEqual([]);
  });
});
