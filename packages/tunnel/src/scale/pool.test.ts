import { fc, test } from "@fast-check/vitest";
import type { GuacdDuplex } from "@guacstream/codec/client";
import { startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { connect } from "@guacstream/transport-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GuacdPool } from "./pool.ts";
import { PoolError } from "./pool-error.ts";
import type {
  EndpointStateChange,
  GuacdEndpoint,
  GuacdPoolOptions,
  ResolvedEndpoint,
} from "./pool-options.ts";
import { selectProbe } from "./probe.ts";

const pipe = (): GuacdDuplex => {
  const t = new TransformStream<Uint8Array, Uint8Array>();
  return { readable: t.readable, writable: t.writable };
};

/** Endpoints g0…g(n-1); `down` holds the ids whose connects fail at once. */
function fakePool(
  n: number,
  options: Partial<GuacdPoolOptions> & {
    down?: Set<string>;
    extra?: Partial<GuacdEndpoint>[];
  } = {},
) {
  const down = options.down ?? new Set<string>();
  const connects: string[] = [];
  const endpoints: GuacdEndpoint[] = Array.from({ length: n }, (_, i) => ({
    id: `g${i}`,
    host: "10.0.0.1",
    port: 4822 + i,
    ...options.extra?.[i],
  }));
  const pool = new GuacdPool({
    endpoints,
    connect: async (endpoint: ResolvedEndpoint) => {
      connects.push(endpoint.id);
      if (down.has(endpoint.id)) throw new Error(`ECONNREFUSED ${endpoint.id}`);
      return pipe();
    },
    ...options,
  });
  return { pool, down, connects };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("GuacdPool routing", () => {
  it("least sessions: 60 sessions over three endpoints differ by at most one, releases rebalance", async () => {
    const { pool } = fakePool(3);
    const leases = [];
    for (let i = 0; i < 60; i++) leases.push(await pool.connect());
    expect(pool.endpoints.map((e) => e.active)).toEqual([20, 20, 20]);
    for (const lease of leases.filter((l) => l.endpoint.id === "g1").slice(0, 5)) lease.release();
    const next = await Promise.all([1, 2, 3, 4, 5].map(() => pool.connect()));
    expect(next.map((l) => l.endpoint.id)).toEqual(["g1", "g1", "g1", "g1", "g1"]);
  });

  it("least sessions weighs: weight 2 takes twice the sessions of weight 1", async () => {
    const { pool } = fakePool(2, { extra: [{ weight: 2 }, { weight: 1 }] });
    for (let i = 0; i < 30; i++) await pool.connect();
    expect(pool.endpoints.map((e) => e.active)).toEqual([20, 10]);
  });

  test.prop([fc.array(fc.oneof(fc.constant(-1), fc.nat(50)), { maxLength: 200 })])(
    "least sessions always picks an endpoint with the fewest active sessions",
    async (ops) => {
      const { pool } = fakePool(4);
      const leases: { release(): void }[] = [];
      for (const op of ops) {
        if (op === -1 || leases.length === 0) {
          const before = pool.endpoints.map((e) => e.active);
          const lease = await pool.connect();
          expect(before[Number(lease.endpoint.id.slice(1))]).toBe(Math.min(...before));
          leases.push(lease);
        } else {
          leases.splice(op % leases.length, 1)[0]!.release();
        }
      }
      expect(pool.endpoints.reduce((n, e) => n + e.active, 0)).toBe(leases.length);
    },
  );

  it("weighted round robin interleaves by weight", async () => {
    const { pool } = fakePool(3, {
      strategy: "weighted-round-robin",
      extra: [{ weight: 5 }, { weight: 1 }, { weight: 1 }],
    });
    const picks: string[] = [];
    for (let i = 0; i < 7; i++) picks.push((await pool.connect()).endpoint.id);
    expect(picks).toEqual(["g0", "g0", "g1", "g0", "g2", "g0", "g0"]);
    for (let i = 0; i < 63; i++) await pool.connect();
    expect(pool.endpoints.map((e) => e.active)).toEqual([50, 10, 10]);
  });

  it("label constraints narrow the choice; none that fits is NO_ENDPOINT", async () => {
    const { pool, connects } = fakePool(3, {
      extra: [
        { labels: { region: "eu" } },
        { labels: { region: "us" } },
        { labels: { region: "eu", gpu: "yes" } },
      ],
    });
    const picks: string[] = [];
    for (let i = 0; i < 4; i++)
      picks.push((await pool.connect({ labels: { region: "eu" } })).endpoint.id);
    expect(picks).toEqual(["g0", "g2", "g0", "g2"]);
    expect((await pool.connect({ labels: { gpu: "yes" } })).endpoint.id).toBe("g2");
    const before = connects.length;
    await expect(pool.connect({ labels: { region: "mars" } })).rejects.toMatchObject({
      code: "NO_ENDPOINT",
    });
    // An inherited property is not a label.
    await expect(pool.connect({ labels: { constructor: "x" } })).rejects.toMatchObject({
      code: "NO_ENDPOINT",
    });
    expect(connects.length).toBe(before);
  });

  it("names an endpoint by its place in the list, never by its address, unless given an id", () => {
    const pool = new GuacdPool({
      endpoints: [
        { host: "guacd-internal.corp.example", port: 4822 },
        { id: "eu", host: "10.0.0.8", port: 4822 },
      ],
      connect: async () => pipe(),
    });
    expect(pool.endpoints.map((e) => e.id)).toEqual(["guacd-1", "eu"]);
  });

  it("refuses bad configurations", () => {
    const connect = async () => pipe();
    expect(() => new GuacdPool({ endpoints: [], connect })).toThrow(RangeError);
    expect(
      () =>
        new GuacdPool({
          endpoints: [
            { id: "a", host: "a", port: 1 },
            { id: "a", host: "b", port: 1 },
          ],
          connect,
        }),
    ).toThrow(/listed twice/);
    expect(
      () => new GuacdPool({ endpoints: [{ host: "a", port: 1, weight: 0 }], connect }),
    ).toThrow(/not positive/);
  });
});

describe("GuacdPool failover", () => {
  it("a failed connect moves on to the next endpoint, and fall failures take it out", async () => {
    const changes: EndpointStateChange[] = [];
    const { pool, connects } = fakePool(3, {
      down: new Set(["g0"]),
      health: { fall: 2 },
      onStateChange: (c) => void changes.push(c),
    });
    const first = await pool.connect();
    expect(first.endpoint.id).toBe("g1");
    expect(first.tried).toEqual(["g0", "g1"]);
    expect(pool.endpoint("g0")).toMatchObject({ state: "up", failures: 1, active: 0 });
    await pool.connect(); // g0 again (0 active), fails, g2
    expect(pool.endpoint("g0")).toMatchObject({ state: "down", failures: 2 });
    expect(changes).toEqual([{ endpoint: "g0", from: "up", to: "down", error: expect.any(Error) }]);
    connects.length = 0;
    for (let i = 0; i < 4; i++) await pool.connect();
    expect(connects).not.toContain("g0");
  });

  it("every endpoint failing is CONNECT_FAILED with the last cause and the tried list", async () => {
    const { pool } = fakePool(2, { down: new Set(["g0", "g1"]) });
    const error = await pool.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolError);
    expect(error).toMatchObject({ code: "CONNECT_FAILED", tried: ["g0", "g1"] });
    expect(String((error as Error).cause)).toMatch(/ECONNREFUSED g1/);
    expect(pool.endpoints.map((e) => e.active)).toEqual([0, 0]);
  });

  it("a guacd that never answers is abandoned at the deadline, not later", async () => {
    const pool = new GuacdPool({
      endpoints: [
        { id: "hang", host: "h", port: 1 },
        { id: "hang2", host: "h", port: 2 },
      ],
      connect: (_endpoint, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason)),
        ),
    });
    const started = Date.now();
    const error = await pool.connect({}, { timeout: 150 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({ code: "DEADLINE", tried: ["hang"] });
  });

  it("the caller's signal aborts the attempt", async () => {
    const controller = new AbortController();
    const pool = new GuacdPool({
      endpoints: [{ host: "h", port: 1 }],
      connect: (_endpoint, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason)),
        ),
    });
    const attempt = pool.connect({}, { signal: controller.signal });
    controller.abort(new Error("browser left"));
    await expect(attempt).rejects.toMatchObject({ code: "ABORTED" });
    expect(pool.endpoints[0]).toMatchObject({ state: "up", failures: 0, active: 0 });
  });
});

describe("GuacdPool draining and joins", () => {
  it("a draining endpoint takes no new session but joins still reach it", async () => {
    const changes: EndpointStateChange[] = [];
    const { pool } = fakePool(2, { onStateChange: (c) => void changes.push(c) });
    const running = await pool.connect();
    expect(running.endpoint.id).toBe("g0");
    pool.drain("g0");
    expect(pool.endpoint("g0")?.state).toBe("draining");
    for (let i = 0; i < 3; i++) expect((await pool.connect()).endpoint.id).toBe("g1");
    expect((await pool.connect({ endpoint: "g0" })).endpoint.id).toBe("g0");
    pool.resume("g0");
    expect((await pool.connect()).endpoint.id).toBe("g0");
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(["up>draining", "draining>up"]);
    expect(() => pool.drain("nope")).toThrow(PoolError);
  });

  it("a join to an unknown or down endpoint is refused without connecting elsewhere", async () => {
    const { pool, connects } = fakePool(2, { down: new Set(["g1"]), health: { fall: 1 } });
    await expect(pool.connect({ endpoint: "g9" })).rejects.toMatchObject({
      code: "UNKNOWN_ENDPOINT",
    });
    await expect(pool.connect({ endpoint: "g1" })).rejects.toMatchObject({
      code: "CONNECT_FAILED",
      tried: ["g1"],
    });
    await expect(pool.connect({ endpoint: "g1" })).rejects.toMatchObject({ code: "NO_ENDPOINT" });
    expect(connects).toEqual(["g1"]);
  });
});

describe("GuacdPool health checks", () => {
  it("fall failed checks take an endpoint out, rise good ones bring it back", async () => {
    const changes: EndpointStateChange[] = [];
    const { pool, down } = fakePool(2, {
      health: { fall: 3, rise: 2 },
      onStateChange: (c) => void changes.push(c),
    });
    down.add("g1");
    await pool.check();
    await pool.check();
    expect(pool.endpoint("g1")).toMatchObject({ state: "up", failures: 2 });
    await pool.check();
    expect(pool.endpoint("g1")).toMatchObject({ state: "down", lastError: "ECONNREFUSED g1" });
    down.delete("g1");
    await pool.check();
    expect(pool.endpoint("g1")?.state).toBe("down");
    await pool.check();
    expect(pool.endpoint("g1")).toMatchObject({ state: "up", failures: 0 });
    expect(changes.map((c) => `${c.endpoint}:${c.from}>${c.to}`)).toEqual([
      "g1:up>down",
      "g1:down>up",
    ]);
  });

  it("start() checks every interval until close(); a dead guacd is out within fall intervals", async () => {
    vi.useFakeTimers();
    const { pool, down, connects } = fakePool(2, { health: { interval: 1000, fall: 2 } });
    pool.start();
    pool.start(); // idempotent
    await vi.advanceTimersByTimeAsync(0);
    expect(connects).toEqual(["g0", "g1"]);
    down.add("g0");
    await vi.advanceTimersByTimeAsync(2000);
    expect(pool.endpoint("g0")?.state).toBe("down");
    pool.close();
    const seen = connects.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(connects.length).toBe(seen);
  });

  it("health: false never marks an endpoint down", async () => {
    const { pool } = fakePool(2, { down: new Set(["g0"]), health: false });
    for (let i = 0; i < 5; i++) await pool.connect();
    expect(pool.endpoint("g0")).toMatchObject({ state: "up", failures: 5 });
    await pool.check();
  });

  it("a select probe against the simulator passes, and fails for a protocol it lacks", async () => {
    const sim = await startGuacdSimulator({ afterHandshakeFailure: "close" });
    try {
      const make = (protocol: string) =>
        new GuacdPool({
          endpoints: [{ id: "sim", host: sim.host, port: sim.port }],
          connect: (e, { signal, timeout }) =>
            connect({ host: e.host, port: e.port, signal, timeout }),
          health: { fall: 1, timeout: 1000, probe: selectProbe(protocol) },
        });
      const good = make("vnc");
      await good.check();
      expect(good.endpoint("sim")).toMatchObject({ state: "up", failures: 0 });
      const bad = make("nosuchprotocol");
      await bad.check();
      expect(bad.endpoint("sim")?.state).toBe("down");
      expect(() => selectProbe("v;nc")).toThrow(RangeError);
    } finally {
      await sim.close();
    }
  });

  it("a probe that ignores its signal still ends the check at the timeout", async () => {
    const pool = new GuacdPool({
      endpoints: [{ id: "slow", host: "h", port: 1 }],
      connect: async () => pipe(),
      health: { fall: 1, timeout: 100, probe: () => new Promise(() => {}) },
    });
    const started = Date.now();
    await pool.check();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(pool.endpoint("slow")?.state).toBe("down");
  });
});
