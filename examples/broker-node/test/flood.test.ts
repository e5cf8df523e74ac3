// The flood measurement (scripts/flood.ts) run short, asserting its functional outcomes with
// generous bounds: the flooding tunnels are closed with the right code, the honest session
// stays open and keeps streaming, the broker's event loop keeps turning. The figures themselves
// come from the script run at full length (10 s per phase), not from this test.
import { expect, it } from "vitest";
import { measureFlood } from "../scripts/flood.ts";

it("under a flood the flooding tunnels close, the honest session streams on, the loop keeps turning", async () => {
  const { phases } = await measureFlood(2);
  const [alone, size, rate] = phases;
  console.log(JSON.stringify(phases));
  expect(alone?.honestMBps).toBeGreaterThan(1);
  for (const [phase, code] of [
    [size, "1009"],
    [rate, "1008"],
  ] as const) {
    expect(phase?.floodTunnels).toBeGreaterThan(0);
    // Every flooding tunnel was closed by the broker with the cap's code (the last one may be
    // closed by the attacker itself as the phase ends: 1005).
    const codes = Object.keys(phase?.floodCloseCodes ?? {});
    expect(codes).toContain(code);
    for (const c of codes) expect([code, "1005"]).toContain(c);
    expect(phase?.honestOpen).toBe(true);
    expect(phase?.honestRatio).toBeGreaterThan(0.25);
    expect(phase?.eventLoopDelayMs.p99).toBeLessThan(250);
  }
}, 90_000);
