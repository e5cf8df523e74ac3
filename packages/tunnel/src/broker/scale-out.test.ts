// acceptTunnel with a GuacdPool, a SessionDirectory and TunnelMetrics, against three guacd
// simulators (real TCP), with in-memory browsers: routing, joins through the registry, store
// outages, failover, labels, and the metrics those produce.
import { type RunningGuacdSimulator, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { connect } from "@guacstream/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeBrowser, memoryGuacd, until } from "../_test-utils.ts";
import {
  type AcceptTunnelOptions,
  acceptTunnel,
  type BridgeResult,
  bridgeTunnel,
  type ConnectionSettings,
  type GuacdEndpoint,
  GuacdPool,
  generateTokenSecret,
  importTokenKey,
  MemorySessionRegistry,
  SessionDirectory,
  type SessionRecord,
  type SessionRegistry,
  sealToken,
  TunnelMetrics,
} from "../index.ts";
import { parsePrometheus } from "../metrics/_test-prometheus.ts";

const RDP: ConnectionSettings = { protocol: "rdp", parameters: { hostname: "desktop.sim" } };

let sims: RunningGuacdSimulator[];
beforeAll(async () => {
  sims = await Promise.all(
    [0, 1, 2].map(() =>
      startGuacdSimulator({
        resolveSession: (ctx) =>
          ctx.joining ? { end: "hold" } : { recording: "native/vnc-native", end: "hold" },
      }),
    ),
  );
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

/** A registry whose calls fail while `down` is set. */
class SwitchableRegistry implements SessionRegistry {
  readonly inner = new MemorySessionRegistry();
  down = false;
  put(record: SessionRecord, ttl: number): void {
    if (this.down) throw new Error("registry down");
    this.inner.put(record, ttl);
  }
  get(id: string): SessionRecord | undefined {
    if (this.down) throw new Error("registry down");
    return this.inner.get(id);
  }
  delete(id: string, owner: string): void {
    if (this.down) throw new Error("registry down");
    this.inner.delete(id, owner);
  }
}

async function broker(
  endpoints: GuacdEndpoint[] = sims.map((s, i) => ({
    id: `g${i + 1}`,
    host: s.host,
    port: s.port,
  })),
) {
  const key = await importTokenKey(generateTokenSecret());
  const pool = new GuacdPool({
    endpoints,
    connect: (e, { signal, timeout }) => connect({ host: e.host, port: e.port, signal, timeout }),
    health: { fall: 1 },
  });
  const registry = new SwitchableRegistry();
  const metrics = new TunnelMetrics({ pool });
  const sessions = new SessionDirectory(registry, {
    owner: "b1",
    onCall: (op, seconds, error) => metrics.registryCall(op, seconds, error),
  });
  const options: AcceptTunnelOptions = {
    key,
    pool,
    sessions,
    onEvent: (event) => metrics.observe(event),
    handshakeTimeout: 5000,
  };
  const open: { browser: FakeBrowser; done: Promise<BridgeResult> }[] = [];
  const tunnel = async (settings: ConnectionSettings) => {
    const browser = new FakeBrowser({ echoSync: true });
    const done = acceptTunnel(browser, `/tunnel?token=${await sealToken(key, settings)}`, options);
    const entry = { browser, done };
    open.push(entry);
    await until(() => browser.sent.length > 0 || browser.closed !== undefined, 5000, "the tunnel");
    return entry;
  };
  const closeAll = async () => {
    for (const { browser } of open) browser.close(1000, "bye");
    await Promise.all(open.map((o) => o.done));
  };
  return { pool, registry, metrics, sessions, tunnel, closeAll };
}

const idsOn = (sim: RunningGuacdSimulator): string[] =>
  sim.sessions.flatMap((s) =>
    s.connectionId !== undefined && s.joined === undefined ? [s.connectionId] : [],
  );

describe("acceptTunnel with a pool and a session registry", () => {
  it("spreads sessions, registers each connection, joins it on its guacd, and forgets it when it ends", async () => {
    const b = await broker();
    try {
      for (let i = 0; i < 6; i++) {
        const { browser } = await b.tunnel(RDP);
        expect(browser.closed).toBeUndefined();
      }
      expect(sims.map((s) => idsOn(s).length)).toEqual([2, 2, 2]);
      const id = idsOn(sims[1]!)[0]!;
      await until(() => b.registry.inner.get(id) !== undefined, 2000, "the registry entry");
      expect(b.registry.inner.get(id)).toMatchObject({
        endpoint: "g2",
        owner: "b1",
        protocol: "rdp",
      });

      const joiner = await b.tunnel({ join: id, readOnly: true });
      expect(joiner.browser.closed).toBeUndefined();
      await until(() => sims[1]!.sessions.some((s) => s.joined === id), 2000, "the join on g2");
      expect(b.pool.endpoint("g2")?.active).toBe(3);

      const missing = await b.tunnel({ join: "$not-registered", readOnly: true });
      await missing.done;
      expect(missing.browser.closed).toEqual({ code: 1002, reason: "516 Session not found" });

      joiner.browser.close(1000, "bye");
      await joiner.done;
      expect(b.registry.inner.get(id)).toBeDefined(); // a joiner leaving ends nothing
      await b.closeAll();
      await until(() => b.registry.inner.size === 0, 2000, "every entry removed");
      expect(b.pool.endpoints.map((e) => e.active)).toEqual([0, 0, 0]);

      const page = b.metrics.render();
      const families = parsePrometheus(page);
      const opened = families.find((f) => f.name === "guacstream_tunnels_opened_total")!;
      expect(opened.metrics.map((m) => [m.labels!.endpoint, m.value])).toEqual([
        ["g1", "2"],
        ["g2", "3"],
        ["g3", "2"],
      ]);
      const failed = families.find((f) => f.name === "guacstream_tunnels_failed_total")!;
      expect(failed.metrics).toEqual([{ value: "1", labels: { status: "516" } }]);
      expect(page).toMatch(/^guacstream_tunnels_active\{endpoint="g2",state="up"\} 0$/m);
      expect(page).toMatch(/^guacstream_handshake_seconds_count 7$/m);
      const toBrowser = Number(
        /^guacstream_tunnel_bytes_total\{direction="to_browser"\} (\d+)$/m.exec(page)![1],
      );
      expect(toBrowser).toBeGreaterThanOrEqual(6 * 163_262);
      expect(Number(/direction="to_guacd"\} (\d+)$/m.exec(page)![1])).toBeGreaterThan(0);
    } finally {
      await b.closeAll();
    }
  });

  it("a registry outage: a fresh session still opens, a join is refused with 512, and the entry reappears once it is back", async () => {
    const b = await broker();
    try {
      b.registry.down = true;
      const fresh = await b.tunnel(RDP);
      expect(fresh.browser.closed).toBeUndefined();
      const id = sims.flatMap(idsOn).at(-1)!;
      const join = await b.tunnel({ join: id, readOnly: true });
      await join.done;
      expect(join.browser.closed).toEqual({
        code: 1011,
        reason: "512 Session registry unavailable",
      });
      b.registry.down = false;
      await b.sessions.beat();
      expect(b.registry.inner.get(id)?.owner).toBe("b1");
      expect(b.metrics.render()).toMatch(
        /^guacstream_registry_errors_total\{operation="get"\} 1$/m,
      );
    } finally {
      await b.closeAll();
    }
  });

  it("a dead guacd is skipped within the handshake deadline, and token labels choose the endpoint", async () => {
    const dead = { id: "dead", host: "127.0.0.1", port: 1, labels: { region: "eu" } };
    const b = await broker([
      dead,
      { id: "eu", host: sims[0]!.host, port: sims[0]!.port, labels: { region: "eu" } },
      { id: "us", host: sims[1]!.host, port: sims[1]!.port, labels: { region: "us" } },
    ]);
    try {
      const before = new Set(idsOn(sims[0]!));
      const eu = await b.tunnel({ ...RDP, labels: { region: "eu" } });
      expect(eu.browser.closed).toBeUndefined();
      expect(idsOn(sims[0]!).filter((id) => !before.has(id)).length).toBe(1);
      expect(b.pool.endpoint("dead")?.state).toBe("down");
      const mars = await b.tunnel({ ...RDP, labels: { region: "mars" } });
      await mars.done;
      expect(mars.browser.closed).toEqual({ code: 1011, reason: "519 guacd unreachable" });
    } finally {
      await b.closeAll();
    }
  });
});

describe("a guacd that dies", () => {
  it("a socket that ends without disconnect or error is an upstream error (1011 / 515), not a success", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex);
    await until(() => browser.sent.length === 1);
    guacd.push("4.sync,1.1,1.1;");
    guacd.end(); // the process is gone: the kernel closes its socket
    const result = await done;
    expect(browser.closed).toEqual({ code: 1011, reason: "515" });
    expect(result).toMatchObject({ initiator: "guacd", status: 0x0203 });
  });

  it("a session guacd ends with disconnect still closes with 1000", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex);
    await until(() => browser.sent.length === 1);
    guacd.push("4.sync,1.1,1.1;10.disconnect;");
    guacd.end();
    await done;
    expect(browser.closed).toEqual({ code: 1000, reason: "0" });
  });
});
