// The Deno broker's shutdown on a signal: the first SIGTERM drains
// (new tunnels refused as the admin drain refuses them, open ones run on), the broker exits 0 once
// none is left or after DRAIN_GRACE_MS (the rest closed `513 Server draining`), and a second
// signal closes them at once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type CountedGuacd,
  changed,
  demoToken,
  type RunningBroker,
  startBroker,
  startCountedGuacd,
  waitFor,
} from "../../broker-node/test/_harness.ts";

const started = new Set<RunningBroker>();

/** The Deno broker, replaying the simulator's desktop forever, with a 30 s drain grace by default. */
async function start(env: Record<string, string>): Promise<RunningBroker> {
  const broker = await startBroker("deno", {
    GUACD_HOST: guacd.host,
    GUACD_PORT: String(guacd.port),
    // The simulator replays its desktop forever for this host: the tunnel never ends by itself.
    GUACD_CONNECTION: JSON.stringify({
      protocol: "vnc",
      parameters: { hostname: "loop.sim", port: "5900" },
    }),
    DRAIN_GRACE_MS: "30000",
    ...env,
  });
  started.add(broker);
  return broker;
}

interface Tunnel {
  readonly ws: WebSocket;
  /** guacd's bytes received so far. */
  received(): number;
  readonly closed: Promise<{ code: number; reason: string }>;
}

/**
 * A tunnel that reads but never answers a `sync` (so the broker's close is not raced by the
 * client's messages); resolves once it is open.
 */
async function openTunnel(url: string, token: string): Promise<Tunnel> {
  const ws = new WebSocket(
    `${url.replace(/^http/, "ws")}tunnel?token=${encodeURIComponent(token)}`,
    "guacamole",
    { headers: { origin: url.replace(/\/$/, "") } },
  );
  let received = 0;
  ws.on("message", (data: Buffer) => {
    received += data.length;
    changed();
  });
  ws.on("error", () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      changed();
    }),
  );
  await waitFor(() => received > 1000, "the tunnel to stream");
  return { ws, received: () => received, closed };
}

/** The HTTP status a refused upgrade got. */
function refusedStatus(url: string, token: string): Promise<number> {
  const ws = new WebSocket(
    `${url.replace(/^http/, "ws")}tunnel?token=${encodeURIComponent(token)}`,
    "guacamole",
    { headers: { origin: url.replace(/\/$/, "") } },
  );
  return new Promise((resolve, reject) => {
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      ws.terminate();
      reject(new Error("The tunnel was opened"));
    });
    ws.on("error", () => {});
  });
}

let guacd: CountedGuacd;
beforeAll(async () => {
  guacd = await startCountedGuacd();
});
afterEach(() => {
  for (const broker of started) {
    try {
      process.kill(-broker.pid, "SIGKILL");
    } catch {
      // exited already
    }
  }
  started.clear();
});
afterAll(async () => {
  await guacd?.close();
});

describe("the Deno broker on SIGTERM", () => {
  it("drains: new tunnels refused, the open one runs on, exit 0 once it ends", async () => {
    const broker = await start({});
    const tunnel = await openTunnel(broker.url, await demoToken(broker.url));
    const later = await demoToken(broker.url);
    process.kill(broker.pid, "SIGTERM");
    await waitFor(() => broker.output().includes("draining: 1 tunnel(s) open"), "the drain");
    // Refused as POST /admin/drain refuses: 503, before the upgrade.
    expect(await refusedStatus(broker.url, later)).toBe(503);
    expect(broker.output()).toContain("tunnel refused: DRAINING");
    const mark = tunnel.received();
    await waitFor(() => tunnel.received() > mark + 100_000, "the open tunnel to stream on");
    expect(tunnel.ws.readyState).toBe(WebSocket.OPEN);
    expect(broker.output()).not.toContain("drained");
    tunnel.ws.close(1000);
    expect(await broker.exited).toBe(0);
    expect(broker.output()).toMatch(/tunnel closed: \S+ \(1000\)\n(.*\n)*drained\n/);
  }, 60_000);

  it("closes what is still open after DRAIN_GRACE_MS with 513 Server draining, then exits 0", async () => {
    const broker = await start({ DRAIN_GRACE_MS: "300" });
    const tunnel = await openTunnel(broker.url, await demoToken(broker.url));
    process.kill(broker.pid, "SIGTERM");
    expect(await tunnel.closed).toEqual({ code: 1008, reason: "513 Server draining" });
    expect(await broker.exited).toBe(0);
    const output = broker.output();
    expect(output).toContain("draining: 1 tunnel(s) open");
    expect(output).toContain("drain grace over: closing 1 tunnel(s)");
    expect(output).toMatch(/tunnel closed: \S+ \(1008\)(.*\n)*drained\n/);
  }, 60_000);

  it("closes at once on a second signal", async () => {
    const broker = await start({});
    const tunnel = await openTunnel(broker.url, await demoToken(broker.url));
    process.kill(broker.pid, "SIGTERM");
    await waitFor(() => broker.output().includes("draining: 1 tunnel(s) open"), "the drain");
    process.kill(broker.pid, "SIGINT");
    // Well inside the 30 s grace: the second signal does not wait for it.
    expect(await broker.exited).toBe(0);
    expect(broker.output()).toContain("closing 1 tunnel(s) now");
    expect((await tunnel.closed).code).not.toBe(1000);
    expect(broker.output()).not.toContain("drain grace over");
  }, 20_000);

  it("with no tunnel open, drains and exits 0 at once", async () => {
    const broker = await start({});
    process.kill(broker.pid, "SIGTERM");
    expect(await broker.exited).toBe(0);
    expect(broker.output()).toMatch(/draining: 0 tunnel\(s\) open\ndrained\n/);
  }, 20_000);
});
