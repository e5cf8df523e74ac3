// Scale-out: a real redis-server, three guacd simulators and two Node broker processes sharing
// them (GUACD_ENDPOINTS, REDIS_URL), as an operator would run them. Checks the spread of sessions
// (least sessions), a join routed through the other broker, a guacd dying mid-run, a token
// replayed on the other broker, a Redis outage, and /metrics against what the test did. Then one
// broker without REDIS_URL: everything in one process.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  defaultCorpusDir,
  type RunningGuacdSimulator,
  startGuacdSimulator,
} from "@guacstream/guacd-sim/node";
import {
  type ConnectionSettings,
  generateTokenSecret,
  importTokenKey,
  sealToken,
} from "@guacstream/tunnel";
import { connectRedis, RedisSessionRegistry } from "@guacstream/tunnel-redis";
import { type RunningRedisServer, startRedisServer } from "@guacstream/tunnel-redis/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changed, pollFor, type RunningBroker, root, startBroker, waitFor } from "./_harness.ts";
import { metricsOf } from "./_prometheus.ts";
import { type BrowserSession, openSession, scrape } from "./_sessions.ts";

// rdp → the simulator's native VNC recording (163 KB, 2.6 s at real pace), then held open.
const RECORDING = readFileSync(join(defaultCorpusDir(), "native", "vnc-native.guac"));
const SESSION: ConnectionSettings = {
  protocol: "rdp",
  parameters: { hostname: "desktop.sim", port: "3389" },
};
const secret = generateTokenSecret();
const key = await importTokenKey(secret);
const token = (settings: ConnectionSettings = SESSION): Promise<string> =>
  sealToken(key, settings, { expiresIn: 120_000 });

function startSims(n: number): Promise<RunningGuacdSimulator[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      startGuacdSimulator({
        resolveSession: (ctx) =>
          ctx.joining
            ? { end: "hold" }
            : { recording: "native/vnc-native", pace: "realtime", end: "hold" },
        syncTimeoutMs: 60_000,
      }),
    ),
  );
}

/** The simulator as its own process (the default plans: rdp → the native recording), to kill. */
async function startSimProcess(): Promise<{ host: string; port: number; kill(): Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "packages/guacd-sim/src/cli.ts", "--port", "0", "--pace", "realtime"],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (d: Buffer) => {
    output += d.toString();
    changed();
  });
  child.stderr!.on("data", (d: Buffer) => {
    output += d.toString();
    changed();
  });
  child.once("exit", changed);
  const match = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`guacd-sim did not start:\n${output}`);
      return /listening on (\S+):(\d+)/.exec(output);
    },
    "the simulator process",
    60_000,
  );
  return {
    host: match[1]!,
    port: Number(match[2]),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

const endpointsOf = (sims: readonly { host: string; port: number }[]): string =>
  sims.map((s, i) => `g${i + 1}=${s.host}:${s.port}`).join(",");

// Connections past `ready` that are not joins (a health check's bare connect has no id).
const ids = (sim: RunningGuacdSimulator): string[] =>
  sim.sessions.flatMap((s) =>
    s.connectionId !== undefined && s.joined === undefined ? [s.connectionId] : [],
  );
const live = (sim: RunningGuacdSimulator): number => ids(sim).length;
const handshaken = (sim: RunningGuacdSimulator): number =>
  sim.sessions.filter((s) => s.connectionId !== undefined).length;

async function openAll(sessions: BrowserSession[]): Promise<void> {
  await Promise.all(
    sessions.map((s) =>
      Promise.race([
        s.opened,
        s.closed.then(({ code, reason }) => {
          throw new Error(`tunnel closed at once: ${code} ${reason}`);
        }),
      ]),
    ),
  );
}

describe("two brokers, three guacd, one Redis", () => {
  let redis: RunningRedisServer;
  let sims: RunningGuacdSimulator[];
  let doomed: Awaited<ReturnType<typeof startSimProcess>>;
  let a: RunningBroker;
  let b: RunningBroker;
  const sessions: { via: "a" | "b"; session: BrowserSession }[] = [];
  const opened = { a: 0, b: 0 };
  const outageRefusals = { a: 0, b: 0 };

  beforeAll(async () => {
    redis = await startRedisServer();
    [sims, doomed] = await Promise.all([startSims(2), startSimProcess()]);
    const env = (id: string) => ({
      GUACD_ENDPOINTS: endpointsOf([...sims, doomed]),
      GUACD_HEALTH_INTERVAL: "500",
      REDIS_URL: redis.url,
      BROKER_ID: id,
      GUACSTREAM_TOKEN_SECRET: secret,
    });
    [a, b] = await Promise.all([startBroker("node", env("a")), startBroker("node", env("b"))]);
  }, 120_000);

  afterAll(async () => {
    for (const { session } of sessions) session.ws.terminate();
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all((sims ?? []).map((s) => s.close()));
    await doomed?.kill();
    await redis?.stop();
  });

  const brokerUrl = (via: "a" | "b"): string => (via === "a" ? a.url : b.url);

  it("spreads 60 sessions through both brokers over the three guacd (least sessions)", async () => {
    const batch: BrowserSession[] = [];
    for (let i = 0; i < 60; i++) {
      const via = i % 2 === 0 ? "a" : "b";
      const session = openSession(brokerUrl(via), await token(), { keep: true });
      sessions.push({ via, session });
      batch.push(session);
      opened[via]++;
    }
    await openAll(batch);
    // g3 runs in its own process: its sessions are the ones not on g1 or g2.
    const counts = [...sims.map(live), 60 - live(sims[0]!) - live(sims[1]!)];
    const why = () =>
      `${counts} ${[a, b].map((x) => x.output().match(/^(guacd|tunnel failed|redis).*$/gm)).join(" | ")}`;
    expect(Math.max(...counts) - Math.min(...counts), why()).toBeLessThanOrEqual(1);
  }, 60_000);

  it("a guacd killed mid-run is down within 5 s and gets no new session; the others' sessions end byte-complete", async () => {
    const killedAt = Date.now();
    await doomed.kill();
    await pollFor(
      async () => {
        const [ma, mb] = (await Promise.all([scrape(a.metricsUrl), scrape(b.metricsUrl)])).map(
          metricsOf,
        );
        const state = { endpoint: "g3", state: "down" };
        return ma!("guacstream_guacd_endpoint_state", state) === 1 &&
          mb!("guacstream_guacd_endpoint_state", state) === 1
          ? true
          : undefined;
      },
      "g3 marked down by both brokers",
      5000,
    );
    expect(Date.now() - killedAt).toBeLessThan(5000);

    const before = sims.slice(0, 2).map(handshaken);
    const more: BrowserSession[] = [];
    for (let i = 0; i < 6; i++) {
      const via = i % 2 === 0 ? "a" : "b";
      const session = openSession(brokerUrl(via), await token());
      sessions.push({ via, session });
      more.push(session);
      opened[via]++;
    }
    await openAll(more);
    const after = sims.slice(0, 2).map(handshaken);
    expect(after[0]! + after[1]! - before[0]! - before[1]!).toBe(6);

    // The 40 sessions on the two live guacd receive the whole recording, byte for byte.
    const survivors = sessions.slice(0, 60).map((s) => s.session);
    await waitFor(
      () => survivors.filter((s) => s.received() >= RECORDING.length).length >= 40,
      "40 sessions complete",
      30_000,
    );
    const complete = survivors.filter((s) => s.received() >= RECORDING.length);
    expect(complete.length).toBe(40);
    for (const s of complete) {
      expect(s.bytes().subarray(0, RECORDING.length).equals(RECORDING)).toBe(true);
      // Sent as guacd's bytes (bytesAsText), yet as text messages.
      expect(s.binaryMessages()).toBe(0);
    }
    // The 20 on the dead guacd were closed with an upstream error, not left hanging.
    const cut = await Promise.all(
      survivors.filter((s) => !complete.includes(s)).map((s) => s.closed),
    );
    expect(cut.length).toBe(20);
    for (const { code } of cut) expect(code).toBe(1011);
  }, 60_000);

  it("a session opened through broker A is joined read-only through broker B, on the same guacd", async () => {
    const store = connectRedis(redis.url);
    try {
      await pollFor(() => store.ready, "a Redis client");
      const registry = new RedisSessionRegistry(store);
      // A live session of broker A's on g1.
      let target: { id: string; sim: RunningGuacdSimulator } | undefined;
      for (const id of ids(sims[0]!)) {
        const record = await registry.get(id);
        if (record?.owner === "a") {
          expect(record.endpoint).toBe("g1");
          target = { id, sim: sims[0]! };
          break;
        }
      }
      expect(target).toBeDefined();
      const joiner = openSession(b.url, await token({ join: target!.id, readOnly: true }));
      sessions.push({ via: "b", session: joiner });
      opened.b++;
      await openAll([joiner]);
      await pollFor(
        () => target!.sim.sessions.some((s) => s.joined === target!.id),
        "the join to reach g1",
      );
    } finally {
      await store.close();
    }
  });

  it("a token used on broker A is refused on broker B", async () => {
    const once = await token();
    const first = openSession(a.url, once);
    sessions.push({ via: "a", session: first });
    opened.a++;
    await openAll([first]);
    const again = openSession(b.url, once);
    expect(await again.closed).toEqual({ code: 1008, reason: "771 Token already used" });
  });

  it("Redis down: tokens are refused with 512 and joins report the outage; Redis back: accepted again", async () => {
    const joinable = ids(sims[0]!)[0]!;
    await redis.stop();
    try {
      const refused = openSession(a.url, await token());
      expect(await refused.closed).toEqual({ code: 1011, reason: "512 Server error" });
      outageRefusals.a++;
      // A join's token is claimed first: during an outage it is refused there, fail closed.
      const join = openSession(b.url, await token({ join: joinable, readOnly: true }));
      expect(await join.closed).toEqual({ code: 1011, reason: "512 Server error" });
      outageRefusals.b++;
    } finally {
      await redis.start();
    }
    // The broker reconnects by itself (backoff up to 2 s); a fresh token opens again.
    // Each try is a real tunnel: spaced out while the broker's Redis client backs off.
    const back = await pollFor(
      async () => {
        const s = openSession(a.url, await token());
        const outcome = await Promise.race([
          s.opened.then(() => "open"),
          s.closed.then(({ reason }) => reason),
        ]);
        if (outcome === "open") return s;
        expect(outcome).toBe("512 Server error");
        outageRefusals.a++;
        return undefined;
      },
      "a token accepted after Redis is back",
      15_000,
      200,
    );
    sessions.push({ via: "a", session: back });
    opened.a++;
  }, 30_000);

  it("/metrics on each broker agrees with what the test did", async () => {
    const [ma, mb] = (await Promise.all([scrape(a.metricsUrl), scrape(b.metricsUrl)])).map(
      metricsOf,
    );
    const openedOn = (m: typeof ma) =>
      m!("guacstream_tunnels_opened_total", { endpoint: "g1" }) +
      m!("guacstream_tunnels_opened_total", { endpoint: "g2" }) +
      m!("guacstream_tunnels_opened_total", { endpoint: "g3" });
    expect(openedOn(ma)).toBe(opened.a);
    expect(openedOn(mb)).toBe(opened.b);
    expect(ma!("guacstream_tunnels_opened_total", { endpoint: "g3" })).toBe(10);
    expect(mb!("guacstream_tunnels_refused_total", { code: "TOKEN_REPLAYED", status: "771" })).toBe(
      1,
    );
    for (const [m, via] of [
      [ma, "a"],
      [mb, "b"],
    ] as const) {
      const refusals = outageRefusals[via];
      expect(refusals).toBeGreaterThan(0);
      expect(
        m!("guacstream_tunnels_refused_total", { code: "REPLAY_UNAVAILABLE", status: "512" }),
      ).toBe(refusals);
      expect(m!("guacstream_replay_store_errors_total")).toBe(refusals);
    }
    expect(ma!("guacstream_guacd_endpoint_state", { endpoint: "g3", state: "down" })).toBe(1);
    expect(ma!("guacstream_guacd_endpoint_state", { endpoint: "g1", state: "up" })).toBe(1);
    // The 20 sessions on g3 ended with UPSTREAM_ERROR (515) when it died.
    expect(
      ma!("guacstream_tunnels_closed_total", { endpoint: "g3" }) +
        mb!("guacstream_tunnels_closed_total", { endpoint: "g3" }),
    ).toBe(20);
    const stillOpen = sessions.filter((s) => s.session.ws.readyState === 1);
    const activeOf = (m: typeof ma) => m!("guacstream_tunnels_active");
    expect(activeOf(ma) + activeOf(mb)).toBe(stillOpen.length);
    expect(ma!("guacstream_handshake_seconds")).toBe(opened.a);
    const receivedVia = (via: "a" | "b") =>
      sessions.filter((s) => s.via === via).reduce((n, s) => n + s.session.received(), 0);
    // What the test received went through the broker: the broker's count is at least that.
    expect(
      ma!("guacstream_tunnel_bytes_total", { direction: "to_browser" }),
    ).toBeGreaterThanOrEqual(receivedVia("a"));
    expect(ma!("guacstream_tunnel_bytes_total", { direction: "to_browser" })).toBeLessThan(
      receivedVia("a") + 256 * 1024, // a burst in flight at the scrape
    );
    expect(mb!("guacstream_tunnel_bytes_total", { direction: "to_guacd" })).toBeGreaterThan(0);
  });
});

describe("one broker without REDIS_URL", () => {
  it("pools guacd, joins through the in-memory registry, and refuses a replayed token", async () => {
    const sims = await startSims(2);
    const broker = await startBroker("node", {
      GUACD_ENDPOINTS: endpointsOf(sims),
      GUACSTREAM_TOKEN_SECRET: secret,
    });
    const open: BrowserSession[] = [];
    try {
      const once = await token();
      for (const t of [once, await token(), await token(), await token()]) {
        open.push(openSession(broker.url, t));
      }
      await openAll(open);
      expect(sims.map(live)).toEqual([2, 2]);
      const replayed = openSession(broker.url, once);
      expect(await replayed.closed).toEqual({ code: 1008, reason: "771 Token already used" });
      const id = ids(sims[1]!)[0]!;
      const joiner = openSession(broker.url, await token({ join: id, readOnly: true }));
      open.push(joiner);
      await openAll([joiner]);
      await pollFor(() => sims[1]!.sessions.some((s) => s.joined === id), "the join on g2");
      const unknown = openSession(
        broker.url,
        await token({ join: "$nonexistent", readOnly: true }),
      );
      expect(await unknown.closed).toEqual({ code: 1002, reason: "516 Session not found" });
      const m = metricsOf(await scrape(broker.metricsUrl));
      expect(m("guacstream_tunnels_active")).toBe(5);
    } finally {
      for (const s of open) s.ws.terminate();
      await broker.stop();
      await Promise.all(sims.map((s) => s.close()));
    }
  }, 90_000);
});

describe("a Node broker and a Deno broker sharing one Redis", () => {
  it("refuse each other's used tokens, route a join across runtimes, and both serve /metrics", async () => {
    const redis = await startRedisServer();
    const sims = await startSims(2);
    const env = {
      GUACD_ENDPOINTS: endpointsOf(sims),
      REDIS_URL: redis.url,
      GUACSTREAM_TOKEN_SECRET: secret,
    };
    const [node, deno] = await Promise.all([
      startBroker("node", { ...env, BROKER_ID: "node" }),
      startBroker("deno", { ...env, BROKER_ID: "deno" }),
    ]);
    const open: BrowserSession[] = [];
    try {
      const once = await token();
      const first = openSession(node.url, once);
      open.push(first);
      await openAll([first]);
      // Deno refuses before the upgrade, with a plain HTTP status: the socket never opens.
      // (counted below in its /metrics as TOKEN_REPLAYED).
      const replayed = openSession(deno.url, once);
      expect((await replayed.closed).code).toBe(1006);

      const owner = sims.find((s) => live(s) === 1)!;
      const id = ids(owner)[0]!;
      const joiner = openSession(deno.url, await token({ join: id, readOnly: true }));
      open.push(joiner);
      await openAll([joiner]);
      await pollFor(() => owner.sessions.some((s) => s.joined === id), "the join from Deno");

      const m = metricsOf(await scrape(deno.metricsUrl));
      expect(m("guacstream_tunnels_opened_total")).toBe(1);
      expect(m("guacstream_tunnels_refused_total", { code: "TOKEN_REPLAYED" })).toBe(1);
      expect(m("guacstream_guacd_endpoint_state", { state: "up" })).toBe(2);
    } finally {
      for (const s of open) s.ws.terminate();
      await Promise.all([node.stop(), deno.stop()]);
      await Promise.all(sims.map((s) => s.close()));
      await redis.stop();
    }
  }, 120_000);
});
