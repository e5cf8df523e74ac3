import { afterEach, describe, expect, it, vi } from "vitest";
import { MemorySessionRegistry, type SessionRecord, type SessionRegistry } from "./registry.ts";
import { SessionDirectory } from "./session-directory.ts";

const record = (id: string, owner = "b1"): SessionRecord => ({
  connectionId: id,
  endpoint: "g1",
  owner,
  protocol: "vnc",
  openedAt: 0,
});

afterEach(() => {
  vi.useRealTimers();
});

describe("MemorySessionRegistry", () => {
  it("expires a record ttl after its last put; only the owner removes it", () => {
    let now = 1000;
    const registry = new MemorySessionRegistry({ now: () => now });
    registry.put(record("$a"), 500);
    now = 1499;
    expect(registry.get("$a")?.owner).toBe("b1");
    now = 1500;
    expect(registry.get("$a")).toBeUndefined();
    registry.put(record("$b"), 500);
    registry.delete("$b", "b2");
    expect(registry.get("$b")?.owner).toBe("b1");
    registry.delete("$b", "b1");
    expect(registry.get("$b")).toBeUndefined();
  });

  it("stays bounded: past maxEntries it drops expired records, then refuses", () => {
    let now = 0;
    const registry = new MemorySessionRegistry({ maxEntries: 2, now: () => now });
    registry.put(record("$a"), 100);
    registry.put(record("$b"), 1000);
    expect(() => registry.put(record("$c"), 100)).toThrow(RangeError);
    registry.put(record("$b"), 1000); // an existing record can always be put again
    now = 100;
    registry.put(record("$c"), 100);
    expect(registry.size).toBe(2);
    expect(registry.get("$a")).toBeUndefined();
  });
});

/** A registry whose calls fail while `down` is set, and that can hold each put until released. */
class FlakyRegistry implements SessionRegistry {
  readonly inner = new MemorySessionRegistry();
  down = false;
  puts = 0;
  hold: Promise<void> | undefined;
  async put(r: SessionRecord, ttl: number): Promise<void> {
    this.puts++;
    if (this.down) throw new Error("store down");
    await this.hold;
    this.inner.put(r, ttl);
  }
  async get(id: string): Promise<SessionRecord | undefined> {
    if (this.down) throw new Error("store down");
    return this.inner.get(id);
  }
  async delete(id: string, owner: string): Promise<void> {
    if (this.down) throw new Error("store down");
    this.inner.delete(id, owner);
  }
}

describe("SessionDirectory", () => {
  it("beats every interval so records outlive their ttl, and a stopped broker removes its own", async () => {
    vi.useFakeTimers();
    const registry = new FlakyRegistry();
    const directory = new SessionDirectory(registry, { owner: "b1", ttl: 3000 });
    await directory.add(record("$a"));
    directory.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(registry.puts).toBe(1 + 10); // one per second (ttl / 3)
    expect(await registry.get("$a")).toBeDefined();
    await directory.stop();
    expect(await registry.get("$a")).toBeUndefined();
    expect(directory.size).toBe(0);
  });

  it("records carry the directory's owner, and another broker's directory finds them", async () => {
    const registry = new MemorySessionRegistry();
    const a = new SessionDirectory(registry, { owner: "broker-a" });
    const b = new SessionDirectory(registry);
    await a.add({ connectionId: "$j", endpoint: "g3", protocol: "rdp", openedAt: 5 });
    expect(await b.lookup("$j")).toEqual({
      connectionId: "$j",
      endpoint: "g3",
      protocol: "rdp",
      openedAt: 5,
      owner: "broker-a",
    });
    expect(b.owner).toMatch(/^[0-9a-f-]{36}$/);
    await b.remove("$j"); // not b's: nothing happens
    expect(await b.lookup("$j")).toBeDefined();
  });

  it("a broker that dies stops beating: its records expire", async () => {
    vi.useFakeTimers();
    const registry = new FlakyRegistry();
    const directory = new SessionDirectory(registry, { owner: "b1", ttl: 3000 });
    await directory.add(record("$a"));
    directory.start();
    // Death: the timer stops without any cleanup.
    (directory as unknown as { beat(): Promise<void> }).beat = async () => {};
    await vi.advanceTimersByTimeAsync(3000);
    expect(await registry.get("$a")).toBeUndefined();
  });

  it("a store outage goes to onError, sessions stay tracked, and records reappear once it is back", async () => {
    const registry = new FlakyRegistry();
    const errors: unknown[] = [];
    const directory = new SessionDirectory(registry, {
      owner: "b1",
      onError: (e) => void errors.push(e),
    });
    registry.down = true;
    expect(await directory.add(record("$a"))).toBe(false);
    expect(directory.size).toBe(1);
    await directory.beat();
    expect(errors.length).toBe(2);
    registry.down = false;
    await directory.beat();
    expect(await registry.get("$a")).toBeDefined();
    registry.down = true;
    await expect(directory.lookup("$a")).rejects.toThrow(/store down/);
    expect(await directory.remove("$a")).toBe(false);
    expect(errors.length).toBe(3);
  });

  it("reports each registry call's operation, duration and error to onCall", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const registry = new FlakyRegistry();
    const calls: [string, boolean][] = [];
    const seconds: number[] = [];
    const directory = new SessionDirectory(registry, {
      onCall: (operation, took, error) => {
        seconds.push(took);
        calls.push([operation, error === undefined]);
      },
    });
    let release!: () => void;
    registry.hold = new Promise((resolve) => {
      release = resolve;
    });
    const adding = directory.add(record("$a"));
    vi.advanceTimersByTime(250);
    release();
    await adding;
    expect(seconds).toEqual([0.25]);
    await directory.lookup("$a");
    registry.down = true;
    await directory.lookup("$a").catch(() => {});
    await directory.remove("$a");
    expect(calls).toEqual([
      ["put", true],
      ["get", true],
      ["get", false],
      ["delete", false],
    ]);
  });

  it("a session that ends while its put is on the way leaves no record", async () => {
    const registry = new FlakyRegistry();
    let release!: () => void;
    registry.hold = new Promise((resolve) => {
      release = resolve;
    });
    const directory = new SessionDirectory(registry, { owner: "b1" });
    const adding = directory.add(record("$a"));
    await directory.remove("$a");
    release();
    await adding;
    expect(await registry.get("$a")).toBeUndefined();
  });
});
