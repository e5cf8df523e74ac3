// A browser that stops reading must slow the guacd socket, not grow the broker's memory: checked
// on both example brokers (the `ws` package and Deno's WebSocket report `bufferedAmount`
// differently), with a WebSocket client that pauses its socket and the simulator's own count of
// what it managed to send.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type CountedGuacd,
  demoToken,
  startBroker,
  startCountedGuacd,
  waitFor,
} from "./_harness.ts";

const RECORDING_BYTES = 13_420_097; // vnc-desktop after `ready`, without its final `disconnect`
// The simulator replays the recording forever for this host: more than any buffer can hide.
const LOOP = JSON.stringify({
  protocol: "vnc",
  parameters: { hostname: "loop.sim", port: "5900" },
});

let guacd: CountedGuacd;
beforeAll(async () => {
  guacd = await startCountedGuacd();
}, 60_000);
afterAll(async () => {
  await guacd?.close();
});

describe.each(["node", "deno"] as const)("the %s broker", (kind) => {
  it("holds guacd back while the browser does not read, then delivers everything", async () => {
    const broker = await startBroker(kind, {
      GUACD_HOST: guacd.host,
      GUACD_PORT: String(guacd.port),
      GUACD_CONNECTION: LOOP,
    });
    let ws: WebSocket | undefined;
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    try {
      const token = await demoToken(broker.url);
      const before = new Set(guacd.sim.simulator.sessions);
      let received = 0;
      ws = new WebSocket(`${broker.url.replace("http", "ws")}tunnel?token=${token}`, "guacamole", {
        origin: new URL(broker.url).origin, // as the page's browser sends it
      });
      const socket = ws;
      socket.on("message", (data: Buffer) => {
        received += data.length;
      });
      // Sending goes on while reading is paused: guacd's 15 s client timeout must not end the test.
      keepAlive = setInterval(() => socket.send("3.nop;"), 2000);
      // Read the tunnel UUID, then stop reading: the kernel buffers fill, then the broker's.
      await waitFor(() => received > 0, "the tunnel UUID", 20_000);
      socket.pause();
      const session = await waitFor(
        () => guacd.sim.simulator.sessions.find((s) => !before.has(s) && s.protocol === "vnc"),
        "the session at guacd",
        20_000,
      );
      // Loopback socket buffers on every hop fill first (several MB each way), then guacd stalls.
      const stalled = await waitFor(
        async () => {
          const at = session.output.bytes;
          await new Promise((resolve) => setTimeout(resolve, 1500));
          return session.output.bytes === at ? at : undefined;
        },
        "guacd to stall",
        30_000,
      );
      console.log(`${kind} broker: guacd stalled after ${stalled} bytes`);
      expect(stalled).toBeLessThan(64_000_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(session.output.bytes).toBe(stalled); // still stalled, not trickling
      const readSoFar = received;
      socket.resume();
      // Reading again releases guacd: the replay goes on past what was buffered.
      await waitFor(
        () => session.output.bytes > stalled + RECORDING_BYTES,
        "guacd to resume",
        60_000,
      );
      expect(received).toBeGreaterThan(readSoFar);
    } finally {
      clearInterval(keepAlive);
      ws?.terminate();
      await broker.stop();
    }
  }, 120_000);
});
