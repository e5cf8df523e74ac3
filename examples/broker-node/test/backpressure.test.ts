// A browser that stops reading must slow the guacd socket, not grow the broker's memory: checked
// on both example brokers (the `ws` package and Deno's WebSocket report `bufferedAmount`
// differently), with a WebSocket client that pauses its socket and the simulator's own count of
// what it managed to send.

import { sleepReal } from "@guacstream/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type CountedGuacd,
  changed,
  demoToken,
  pollFor,
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
      const relayedBefore = guacd.relayed(); // by the other broker's session
      let received = 0;
      ws = new WebSocket(`${broker.url.replace("http", "ws")}tunnel?token=${token}`, "guacamole", {
        origin: new URL(broker.url).origin, // as the page's browser sends it
      });
      const socket = ws;
      socket.on("message", (data: Buffer) => {
        received += data.length;
        changed();
      });
      // Read the tunnel UUID, then stop reading: the kernel buffers fill, then the broker's.
      await waitFor(() => received > 0, "the tunnel UUID", 20_000);
      socket.pause();
      const session = await waitFor(
        () => guacd.sim.simulator.sessions.find((s) => !before.has(s) && s.protocol === "vnc"),
        "the session at guacd",
        20_000,
      );
      // Loopback socket buffers on every hop fill first (several MB each way), until the broker
      // stops reading guacd: the proxy in front of guacd holds guacd's side paused, and what it
      // relayed stands still.
      let last = { relayed: -1, at: 0 };
      await pollFor(
        () => {
          const relayed = guacd.relayed() - relayedBefore;
          if (relayed !== last.relayed) last = { relayed, at: Date.now() };
          return guacd.backedUp() && Date.now() - last.at >= 300;
        },
        "the broker to stop reading guacd",
        30_000,
        100,
      );
      const relayed = last.relayed;
      await sleepReal(300);
      expect(guacd.backedUp()).toBe(true);
      expect(guacd.relayed() - relayedBefore).toBe(relayed); // still stalled, not trickling
      const stalled = session.output.bytes;
      console.log(`${kind} broker: read ${relayed} bytes of guacd's ${stalled}, then stopped`);
      // What guacd sent past that waits in kernel buffers, a few MB.
      expect(stalled - relayed).toBeLessThan(32_000_000);
      // Sending goes on from here: guacd's 15 s client timeout must not end the test. (Not while
      // the stall is watched: each message carries an ACK that can open the paused socket's
      // receive window a little, as the kernel grows its buffer, and the broker would read on.)
      keepAlive = setInterval(() => socket.send("3.nop;"), 2000);
      socket.resume();
      // Reading again releases guacd: the browser gets more than a whole loop of the recording
      // past what was relayed (the tunnel's own messages are a few bytes).
      await waitFor(
        () => received > relayed + RECORDING_BYTES + 64 * 1024,
        "guacd to resume",
        60_000,
      );
      expect(session.output.bytes).toBeGreaterThan(relayed + RECORDING_BYTES);
    } finally {
      clearInterval(keepAlive);
      ws?.terminate();
      await broker.stop();
    }
  }, 120_000);
});
