import { decodeInstruction } from "@guacstream/codec";
import { loadCorpus, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { describe, expect, test } from "vitest";
import { corpusDir } from "../harness/corpus.ts";
import { HOLD_HOSTNAME, REPLAY_RECORDING, restBytes, selectBytes } from "./handshake.ts";
import { bareConnect, MODES, session } from "./sessions.ts";

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe("e2e bench", () => {
  test("the hand-written handshake answers args by name and echoes the version", () => {
    const request = { protocol: "vnc", parameters: { hostname: "pc", port: "5900" } };
    expect(text(selectBytes(request))).toBe("6.select,3.vnc;");
    const rest = text(restBytes(["VERSION_1_5_0", "hostname", "port", "password"], request));
    const connect = rest.slice(rest.indexOf("7.connect,"));
    expect(decodeInstruction(connect).args).toEqual(["VERSION_1_5_0", "pc", "5900", ""]);
  });

  test("every client kind reads its byte share of a looped replay, answers sync, and a held session stays", async () => {
    const sim = await startGuacdSimulator({
      corpus: await loadCorpus(corpusDir()),
      resolveSession: (ctx) =>
        ctx.params.hostname === HOLD_HOSTNAME
          ? { end: "hold" }
          : { recording: REPLAY_RECORDING, pace: "fast", end: "loop" },
    });
    try {
      const request = { protocol: "vnc", parameters: { hostname: "desktop" } };
      const limits = { budgetBytes: 200_000, sessionMs: undefined };
      for (const [k, mode] of MODES.entries()) {
        const counts = await Promise.all([1, 2].map(() => session(mode, sim, request, limits)));
        // Every kind answers guacd's sync (guacd throttles, then cuts, a client that does not).
        const reports = await sim.simulator.waitForReports(2 * (k + 1));
        for (const report of reports.slice(-2)) expect(report.input.syncs, mode).toBeGreaterThan(0);
        for (const c of counts) {
          expect(c.bytes, mode).toBeGreaterThanOrEqual(200_000);
          if (mode === "socket" || mode === "transport") expect(c.instructions).toBeNaN();
          else expect(c.instructions, mode).toBeGreaterThan(10);
        }
      }
      const hold = { protocol: "vnc", parameters: { hostname: HOLD_HOSTNAME } };
      const bare = await bareConnect(sim, hold);
      expect(bare.readyMs).toBeGreaterThan(0);
      expect(bare.socket.destroyed).toBe(false);
      bare.socket.destroy();
      await bare.closed;
    } finally {
      await sim.close();
    }
  });
});
