// The Node broker's signal drain, on the broker started as its users start it: the first SIGTERM
// stops new tunnels and lets the open ones run, the process exits 0 once none is left, after
// DRAIN_GRACE_MS at the latest (closing the rest with 513), and a second signal closes at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type CountedGuacd,
  changed,
  demoToken,
  type RunningBroker,
  startBroker,
  startCountedGuacd,
  waitFor,
} from "./_harness.ts";

interface Tunnel {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  received: number;
}

/** A tunnel that echoes syncs, as a browser does, and counts what it receives. */
function openTunnel(url: string, token: string): Tunnel {
  const ws = new WebSocket(
    `${url.replace("http", "ws")}tunnel?token=${encodeURIComponent(token)}`,
    ["guacamole"],
    { origin: new URL(url).origin },
  );
  const tunnel: Tunnel = {
    ws,
    received: 0,
    closed: new Promise((resolve) => {
      ws.once("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        changed();
      });
      ws.on("error", () => {});
    }),
  };
  ws.on("message", (data: Buffer) => {
    tunnel.received += data.length;
    for (const m of data.toString("latin1").matchAll(/4\.sync,(\d+)\.(\d+)/g)) {
      if (ws.readyState === WebSocket.OPEN) ws.send(`4.sync,${m[1]}.${m[2]};`);
    }
    changed();
  });
  return tunnel;
}

describe("the node broker's signal drain", { timeout: 60_000 }, () => {
  let guacd: CountedGuacd;
  let broker: RunningBroker | undefined;

  beforeAll(async () => {
    guacd = await startCountedGuacd();
  });

  afterAll(async () => {
    await broker?.stop();
    await guacd?.close();
  });

  /** A broker replaying the desktop forever, with one tunnel open and drawing. */
  async function drawing(grace: string): Promise<{ broker: RunningBroker; running: Tunnel }> {
    await broker?.stop();
    broker = await startBroker("node", {
      GUACD_HOST: guacd.host,
      GUACD_PORT: String(guacd.port),
      GUACD_CONNECTION: JSON.stringify({ protocol: "vnc", parameters: { hostname: "loop.sim" } }),
      DRAIN_GRACE_MS: grace,
      CLOSE_GRACE_MS: "300",
    });
    const running = openTunnel(broker.url, await demoToken(broker.url));
    await waitFor(() => running.received > 10_000, "the session to draw");
    return { broker, running };
  }

  it("SIGTERM refuses new tunnels, lets the open one run, and exits 0 once it closes", async () => {
    const { broker, running } = await drawing("60000");
    const later = await demoToken(broker.url);
    let exitedEarly = false;
    void broker.exited.then(() => {
      exitedEarly = true;
    });
    process.kill(broker.pid, "SIGTERM");
    await waitFor(() => broker.output().includes("draining: 1 tunnel(s) open"), "the drain's log");
    const refused = openTunnel(broker.url, later);
    expect(await refused.closed).toEqual({ code: 1008, reason: "513 Server draining" });
    const mark = running.received;
    await waitFor(() => running.received > mark, "the open session to go on");
    expect(exitedEarly).toBe(false);
    running.ws.close();
    expect(await running.closed).toMatchObject({ code: 1005 });
    expect(await broker.exited).toBe(0);
    expect(broker.output()).toMatch(/^drained$/m);
  });

  it("past DRAIN_GRACE_MS the open tunnels are closed with 513 and the broker exits 0", async () => {
    const { broker, running } = await drawing("500");
    process.kill(broker.pid, "SIGTERM");
    expect(await running.closed).toEqual({ code: 1008, reason: "513 Server draining" });
    expect(await broker.exited).toBe(0);
    expect(broker.output()).toMatch(/^drained$/m);
  });

  it("many open tunnels, each listening for the drain's end, raise no listener warning", async () => {
    await broker?.stop();
    const started = await startBroker("node", {
      GUACD_HOST: guacd.host,
      GUACD_PORT: String(guacd.port),
      GUACD_CONNECTION: JSON.stringify({ protocol: "vnc", parameters: { hostname: "desktop" } }),
    });
    broker = started;
    const tunnels: Tunnel[] = [];
    for (let i = 0; i < 12; i++)
      tunnels.push(openTunnel(started.url, await demoToken(started.url)));
    await waitFor(() => tunnels.every((t) => t.received > 1000), "every session to draw");
    for (const t of tunnels) t.ws.close();
    await Promise.all(tunnels.map((t) => t.closed));
    expect(started.output()).not.toContain("MaxListenersExceededWarning");
  });

  it("a second signal closes the open tunnels at once", async () => {
    const { broker, running } = await drawing("60000");
    process.kill(broker.pid, "SIGINT");
    await waitFor(() => broker.output().includes("draining: 1 tunnel(s) open"), "the drain's log");
    process.kill(broker.pid, "SIGTERM");
    expect(await running.closed).toEqual({ code: 1008, reason: "513 Server draining" });
    expect(await broker.exited).toBe(0);
  });
});
