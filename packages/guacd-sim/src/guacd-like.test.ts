import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { advance, memoryPair, settle, tcpClient, useFakeTime } from "./_test-utils.ts";
import { encodeInstruction } from "./_wire.ts";
import { guacdLikeOptions, guacdLikeResolveSession } from "./guacd-like.ts";
import { startGuacdSimulator } from "./node.ts";
import { GuacdSimulator } from "./simulator.ts";

const tinyCorpus = (text: string) => ({
  args: {
    demo: encodeInstruction("args", "VERSION_1_5_0"),
    ssh: encodeInstruction("args", "VERSION_1_5_0"),
  },
  recordings: { tiny: new TextEncoder().encode(text), "ssh-text": new TextEncoder().encode(text) },
});

/** Sixty frames, one every 5 ms of recorded time, each a `rect` and a `sync`; then `disconnect`. */
const frames = `${Array.from(
  { length: 60 },
  (_, k) => `4.rect,1.0,1.0,1.0,1.1,1.1;4.sync,${String(1000 + 5 * k).length}.${1000 + 5 * k},1.0;`,
).join("")}10.disconnect;`;

function start(sim: GuacdSimulator, protocol = "demo") {
  const { server, client } = memoryPair();
  const report = sim.serve(server);
  client.send(`6.select,${protocol.length}.${protocol};7.connect,13.VERSION_1_5_0;`);
  return { client, report };
}

const syncs = (client: { received: { opcode: string }[] }): number =>
  client.received.filter((i) => i.opcode === "sync").length;

useFakeTime();

describe("guacd-like mode", () => {
  it("throttles a client that does not confirm frames, and goes on once it does", async () => {
    const sim = new GuacdSimulator({
      corpus: tinyCorpus(frames),
      resolveSession: () => ({ recording: "tiny", pace: "realtime" }),
      throttleLagMs: 100,
    });
    const { client, report } = start(sim);
    await client.waitFor("sync");
    await advance(500);
    // Realtime pace sends all 60 frames within 300 ms; the throttle holds them back after 100 ms
    // (a frame every 5 ms, so about 20 frames, give or take the 10 ms poll).
    const held = syncs(client);
    expect(held).toBeGreaterThanOrEqual(18);
    expect(held).toBeLessThanOrEqual(24);
    expect(sim.sessions[0]!.output.throttledMs).toBeGreaterThanOrEqual(350);
    client.echoSync = true;
    const last = client.received.filter((i) => i.opcode === "sync").at(-1)!;
    client.send(encodeInstruction("sync", last.args[0]!));
    await client.waitClosed(5000);
    expect(syncs(client)).toBe(60);
    expect((await report).end?.reason).toBe("replay-complete");
  });

  it("without a throttle the same client gets every frame", async () => {
    const sim = new GuacdSimulator({
      corpus: tinyCorpus(frames),
      resolveSession: () => ({ recording: "tiny", pace: "realtime" }),
    });
    const { client } = start(sim);
    await client.waitClosed(5000);
    expect(syncs(client)).toBe(60);
  });

  it("cuts a throttled client that sends nothing with 776 after the timeout", async () => {
    const sim = new GuacdSimulator({
      corpus: tinyCorpus(frames),
      ...guacdLikeOptions({ throttleLagMs: 50, syncTimeoutMs: 300 }),
      resolveSession: () => ({ recording: "tiny", end: "hold" }),
    });
    const { client, report } = start(sim);
    await client.waitClosed(5000);
    const error = client.received.find((i) => i.opcode === "error");
    expect(error?.args).toEqual(["Aborted. See logs.", "776"]);
    expect((await report).end?.reason).toBe("sync-timeout");
  });

  it("echoes each key press in the SSH profile with a drawn cell and a sync", async () => {
    const sim = new GuacdSimulator({
      corpus: tinyCorpus("4.sync,4.1000,1.0;4.sync,4.1100,1.0;"),
      ...guacdLikeOptions(),
    });
    const { client } = start(sim, "ssh");
    client.echoSync = true;
    await client.waitFor("sync");
    const before = client.received.length;
    client.send(encodeInstruction("key", "120", "1"));
    client.send(encodeInstruction("key", "120", "0"));
    const at = await client.waitFor("sync", before, 2000);
    expect(client.opcodes.slice(before, at + 1)).toEqual(["rect", "cfill", "sync"]);
    await settle();
    expect(sim.sessions[0]!.input.key).toHaveLength(2);
    // The release draws nothing.
    expect(sim.sessions[0]!.output.keyEchoes).toBe(1);
    await sim.closeAll();
  });

  it("resets a connection over the session cap at once and serves the others", async () => {
    const sim = await startGuacdSimulator({ ...guacdLikeOptions({ maxSessions: 2 }) });
    try {
      const clients = await Promise.all([1, 2].map(() => tcpClient(sim.port)));
      for (const c of clients) c.send("6.select,3.vnc;");
      await Promise.all(clients.map((c) => c.waitFor("args")));
      // Reset at once: the connect itself may fail, or the socket closes with nothing received.
      const third = await new Promise<{ bytes: number; error?: string }>((resolve) => {
        let bytes = 0;
        const socket = connect(sim.port, "127.0.0.1", () => socket.write("6.select,3.vnc;"));
        socket.on("data", (d) => {
          bytes += d.length;
        });
        socket.on("error", (e: NodeJS.ErrnoException) => resolve({ bytes, error: e.code ?? "" }));
        socket.on("close", () => resolve({ bytes }));
      });
      expect(third.bytes).toBe(0);
      expect(third.error).toBe("ECONNRESET");
      const [report] = await sim.simulator.waitForReports(1);
      expect(report?.end?.reason).toBe("over-capacity");
      expect(sim.sessions.length).toBe(2);
      for (const c of clients) expect(c.closed).toBe(false);
    } finally {
      await sim.close();
    }
  });

  it("paces VNC by the recording and keeps SSH's error scenarios", () => {
    const vnc = guacdLikeResolveSession({
      protocol: "vnc",
      joining: false,
      connectionId: "$a",
      params: {},
    });
    expect(vnc).toEqual({ recording: "vnc-desktop", pace: "realtime", end: "loop" });
    const bad = guacdLikeResolveSession({
      protocol: "ssh",
      joining: false,
      connectionId: "$a",
      params: { password: "wrong" },
    });
    expect(bad.recording).toBe("errors/ssh-bad-password");
  });
});
