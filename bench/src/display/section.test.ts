import { describe, expect, it } from "vitest";
import { verdict } from "../harness/figure.ts";
import type { DisplayRow } from "./measure.ts";
import { rowFigures, screenBytes } from "./section.ts";

const base: DisplayRow = {
  recording: "desk.s2c.guac",
  mb: 2,
  frames: 10,
  skipped: 0,
  ours: { fps: 100, cpuMsPerMb: 50, wallMs: [100, 110, 90] },
  memory: { peakBytes: 0, width: 1280, height: 800 },
};

const byId = (row: DisplayRow, id: string) =>
  rowFigures(row, "no Chromium").find((f) => f.id === id);

describe("display section figures", () => {
  it("a recording without common-js keeps its ratio row, unmeasured, saying why", () => {
    const ratio = byId(base, "display/ratio/desk.s2c");
    expect(ratio?.headline).toBe(true);
    expect(Number.isNaN(ratio?.value)).toBe(true);
    expect(ratio?.note).toContain("no Chromium");
    expect(verdict(ratio!)).toBe("");
  });

  it("the time ratio carries its spread and is held to at least 1.00x", () => {
    const row: DisplayRow = {
      ...base,
      commonJs: { fps: 50, cpuMsPerMb: 120, wallMs: [200, 190, 210] },
      ratio: { median: 0.9, min: 0.8, max: 1.2 },
      cpuRatio: { median: 2.4, min: 2, max: 3 },
    };
    const ratio = byId(row, "display/ratio/desk.s2c");
    expect(ratio?.spread).toEqual([0.8, 1.2]);
    expect(verdict(ratio!)).toBe("MISSED");
  });

  it("peak memory counts full screens rounded up to 64-pixel tiles", () => {
    expect(screenBytes(1280, 800)).toBe(1280 * 832 * 4);
    const three = { ...base, memory: { ...base.memory, peakBytes: 3 * screenBytes(1280, 800) } };
    const memory = byId(three, "display/memory/desk.s2c");
    expect(memory?.value).toBe(3);
    expect(verdict(memory!)).toBe("met");
    const more = { ...base, memory: { ...base.memory, peakBytes: 3 * screenBytes(1280, 800) + 1 } };
    expect(verdict(byId(more, "display/memory/desk.s2c")!)).toBe("MISSED");
  });
});
