// Against a real redis-server (Debian's package) on a free loopback port, started per file.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleepReal } from "@guacstream/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, type RedisConnection } from "./connection.ts";
import { RedisStoreError } from "./errors.ts";
import { RedisReplayStore } from "./replay-store.ts";
import { RedisSessionRegistry } from "./session-registry.ts";
import { type RunningRedisServer, startRedisServer } from "./testing.ts";

let server: RunningRedisServer;
let a: RedisConnection;
let b: RedisConnection;

// The client connects to another process in the background and tells no one: poll it.
async function ready(redis: RedisConnection): Promise<void> {
  for (let i = 0; i < 200 && !redis.ready; i++) await sleepReal(25);
  expect(redis.ready).toBe(true);
}

beforeAll(async () => {
  server = await startRedisServer();
  a = connectRedis(server.url);
  b = connectRedis(server.url);
  await ready(a);
  await ready(b);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await server?.stop();
});

const record = (id: string, owner = "broker-a") => ({
  connectionId: id,
  endpoint: "guacd-2",
  owner,
  protocol: "vnc",
  openedAt: 1_700_000_000_000,
});

describe("RedisReplayStore", () => {
  it("claims once, across clients, with the token's remaining lifetime as expiry", async () => {
    const now = Date.now();
    const storeA = new RedisReplayStore(a);
    const storeB = new RedisReplayStore(b);
    expect(await storeA.claim("t1", now + 60_000, now)).toBe("claimed");
    expect(await storeB.claim("t1", now + 60_000, now)).toBe("replayed");
    const pttl = Number(await a.sendCommand(["PTTL", "guacstream:replay:t1"]));
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(await storeA.claim("t-expired", now - 1, now)).toBe("replayed");
    expect(await a.sendCommand(["EXISTS", "guacstream:replay:t-expired"])).toBe(0);
  });

  it("of 40 brokers' simultaneous claims of one token exactly one wins", async () => {
    const now = Date.now();
    const stores = [new RedisReplayStore(a), new RedisReplayStore(b)];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => stores[i % 2]!.claim("race", now + 10_000, now)),
    );
    expect(results.filter((r) => r === "claimed").length).toBe(1);
  });

  it("a claim past its lifetime is forgotten by Redis itself", async () => {
    const now = Date.now();
    const store = new RedisReplayStore(a, { prefix: "short:" });
    expect(await store.claim("t2", now + 20, now)).toBe("claimed");
    await sleepReal(45); // Redis's own clock expires the key

    expect(await store.claim("t2", Date.now() + 50, Date.now())).toBe("claimed");
  });

  it("a used token is never accepted again after Redis loses its keys: older tokens are unverifiable", async () => {
    const store = new RedisReplayStore(a, { prefix: "epoch-test:" });
    // The store has been up a while: its epoch is older than the token.
    expect(await store.claim("earlier", Date.now() + 60_000, Date.now() - 5000)).toBe("claimed");
    const issued = Date.now() - 2000;
    expect(await store.claim("used", Date.now() + 60_000, Date.now(), issued)).toBe("claimed");
    expect(await store.claim("used", Date.now() + 60_000, Date.now(), issued)).toBe("replayed");
    // Redis restarts empty (as FLUSHALL leaves it): the id is gone, and so is the epoch.
    await a.sendCommand(["FLUSHALL"]);
    expect(await store.claim("used", Date.now() + 60_000, Date.now(), issued)).toBe("unverifiable");
    expect(await a.sendCommand(["EXISTS", "epoch-test:replay:used"])).toBe(0);
    const fresh = Date.now();
    expect(await store.claim("fresh", Date.now() + 60_000, Date.now(), fresh)).toBe("claimed");
    // The epoch never expires.
    expect(Number(await a.sendCommand(["PTTL", "epoch-test:replay:epoch"]))).toBe(-1);
  });

  it("a store that does not answer in time is a TIMEOUT, not a wait", async () => {
    const store = new RedisReplayStore(
      { sendCommand: () => new Promise(() => {}) },
      { timeout: 50 },
    );
    const started = Date.now();
    await expect(store.claim("t3", Date.now() + 1000, Date.now())).rejects.toMatchObject({
      code: "TIMEOUT",
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("RedisSessionRegistry", () => {
  it("puts, gets from another client, expires, and lets only the owner delete", async () => {
    const regA = new RedisSessionRegistry(a);
    const regB = new RedisSessionRegistry(b);
    await regA.put(record("$c1"), 30_000);
    expect(await regB.get("$c1")).toEqual(record("$c1"));
    await regB.delete("$c1", "broker-b");
    expect(await regB.get("$c1")).toBeDefined();
    await regA.delete("$c1", "broker-a");
    expect(await regB.get("$c1")).toBeUndefined();
    await regA.put(record("$c2"), 20);
    await sleepReal(45); // Redis's own clock expires the entry
    expect(await regB.get("$c2")).toBeUndefined();
  });

  it("an entry someone else wrote under the key is a BAD_REPLY, not a route", async () => {
    await a.sendCommand(["SET", "guacstream:session:$odd", '{"connectionId":"$other"}']);
    await expect(new RedisSessionRegistry(a).get("$odd")).rejects.toMatchObject({
      code: "BAD_REPLY",
    });
  });
});

describe("a Redis outage", () => {
  it("fails every call at once while Redis is down, and works again once it is back", async () => {
    const store = new RedisReplayStore(a);
    const registry = new RedisSessionRegistry(a);
    await server.stop();
    try {
      for (let i = 0; i < 100 && a.ready; i++) await sleepReal(10);
      const started = Date.now();
      const claim = await store.claim("t4", Date.now() + 10_000, Date.now()).catch((e) => e);
      expect(claim).toBeInstanceOf(RedisStoreError);
      expect(claim).toMatchObject({ code: "UNAVAILABLE" });
      await expect(registry.get("$x")).rejects.toBeInstanceOf(RedisStoreError);
      await expect(registry.put(record("$x"), 1000)).rejects.toBeInstanceOf(RedisStoreError);
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      await server.start();
    }
    await ready(a);
    expect(await store.claim("t4", Date.now() + 10_000, Date.now())).toBe("claimed");
  });
});

describe("on Deno", () => {
  it("the stores run on Deno with npm:@redis/client, against the same Redis", async () => {
    const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
    const deno = join(packageDir, "..", "..", "node_modules", ".bin", "deno");
    const dir = mkdtempSync(join(tmpdir(), "tunnel-redis-deno-"));
    try {
      const script = join(dir, "main.ts");
      writeFileSync(
        script,
        `import { connectRedis, RedisReplayStore, RedisSessionRegistry } from ${JSON.stringify(join(packageDir, "src", "index.ts"))};
const redis = connectRedis(${JSON.stringify(server.url)});
for (let i = 0; i < 200 && !redis.ready; i++) await new Promise((r) => setTimeout(r, 25));
const store = new RedisReplayStore(redis);
const now = Date.now();
const first = await store.claim("deno-token", now + 5000, now);
const second = await store.claim("deno-token", now + 5000, now);
const found = await new RedisSessionRegistry(redis).get("$from-node");
console.log(JSON.stringify([first, second, found?.endpoint]));
await redis.close();
`,
      );
      await new RedisSessionRegistry(a).put(record("$from-node"), 30_000);
      {
        const run = spawnSync(
          deno,
          ["run", "-A", "--quiet", "--config", join(packageDir, "deno.json"), script],
          {
            encoding: "utf8",
            timeout: 120_000,
          },
        );
        expect(run.stderr).not.toMatch(/error/i);
        expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toEqual([
          "claimed",
          "replayed",
          "guacd-2",
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
