import { describe, expect, it } from "vitest";
import { TunnelLimiter } from "./tunnel-limiter.ts";

describe("TunnelLimiter", () => {
  it("one client cannot hold more than its cap, whatever the others do", () => {
    const limiter = new TunnelLimiter({ maxTunnelsPerClient: 3, newTunnelsPerMinute: 1000 });
    for (let i = 0; i < 3; i++) limiter.admit("10.0.0.1");
    expect(() => limiter.admit("10.0.0.1")).toThrow(
      expect.objectContaining({ code: "TOO_MANY_TUNNELS", closeCode: 1008 }),
    );
    expect(limiter.active).toBe(3);
    limiter.admit("10.0.0.2");
    expect(limiter.active).toBe(4);
  });

  it("the broker holds no more than the global cap", () => {
    const limiter = new TunnelLimiter({ maxTunnels: 5, newTunnelsPerMinute: 1000 });
    for (let i = 0; i < 5; i++) limiter.admit(`client-${i}`);
    expect(() => limiter.admit("client-new")).toThrow(/5 are open/);
  });

  it("new tunnels per client per minute: a burst is refused, time refills the bucket", () => {
    let now = 0;
    const limiter = new TunnelLimiter({
      newTunnelsPerMinute: 10,
      maxTunnelsPerClient: 100,
      now: () => now,
    });
    // 250 tunnels in about a second, as the attack did: 10 get through.
    let admitted = 0;
    for (let i = 0; i < 250; i++) {
      now = i * 4;
      try {
        limiter.admit("attacker").release();
        admitted++;
      } catch (error) {
        expect(error).toMatchObject({
          code: "TOO_MANY_TUNNELS",
          closeReason: "797 Too many tunnels",
        });
      }
    }
    expect(admitted).toBe(10);
    now += 6000;
    expect(() => limiter.admit("attacker")).not.toThrow();
    expect(() => limiter.admit("attacker")).toThrow();
  });

  it("a spray of addresses is bounded by maxClients; idle clients are forgotten", () => {
    let now = 0;
    const limiter = new TunnelLimiter({ maxClients: 100, newTunnelsPerMinute: 2, now: () => now });
    for (let i = 0; i < 100; i++) limiter.admit(`2001:db8::${i}`).release();
    expect(() => limiter.admit("2001:db8::ffff")).toThrow(/100 clients/);
    now += 60_000;
    expect(() => limiter.admit("2001:db8::ffff")).not.toThrow();
  });

  it("drain stops new tunnels, lets open ones run, and resolves when none is left", async () => {
    const limiter = new TunnelLimiter();
    const a = limiter.admit("a");
    const b = limiter.admit("b");
    let drained = false;
    const done = limiter.drain().then(() => {
      drained = true;
    });
    expect(() => limiter.admit("c")).toThrow(
      expect.objectContaining({ code: "DRAINING", closeReason: "513 Server draining" }),
    );
    a.release();
    await Promise.resolve();
    expect(drained).toBe(false);
    b.release();
    b.release();
    await done;
    expect(drained).toBe(true);
    expect(limiter.active).toBe(0);
    limiter.resume();
    expect(() => limiter.admit("c")).not.toThrow();
  });

  it("a client cut for abuse opens nothing during the cooldown; other clients are not touched", () => {
    let now = 0;
    const limiter = new TunnelLimiter({ newTunnelsPerMinute: 1000, now: () => now });
    const held = limiter.admit("10.0.0.9");
    limiter.admit("10.0.0.9").release("abuse");
    expect(() => limiter.admit("10.0.0.9")).toThrow(
      expect.objectContaining({
        code: "TOO_MANY_TUNNELS",
        message: expect.stringMatching(/abuse/),
      }),
    );
    limiter.admit("10.0.0.10");
    // Its other tunnels run on, and a release without a reason does not lift the cooldown.
    now = 9_999;
    held.release();
    expect(() => limiter.admit("10.0.0.9")).toThrow(/abuse, 1 s/);
    now = 10_000;
    expect(() => limiter.admit("10.0.0.9")).not.toThrow();
  });

  it("a client in its cooldown is not forgotten by the sweep; 0 turns the cooldown off", () => {
    let now = 0;
    const limiter = new TunnelLimiter({
      maxClients: 1,
      newTunnelsPerMinute: 60_000,
      now: () => now,
    });
    limiter.admit("attacker").release("abuse");
    // Its bucket is full again, its cooldown is not over: the table, full of it, refuses a new
    // client rather than drop the record of the abuse.
    now = 5_000;
    expect(() => limiter.admit("other")).toThrow(/1 clients/);
    expect(() => limiter.admit("attacker")).toThrow(/abuse, 5 s/);
    now = 10_000;
    expect(() => limiter.admit("other")).not.toThrow();
    const lenient = new TunnelLimiter({ abuseCooldown: 0, newTunnelsPerMinute: 1000 });
    lenient.admit("a").release("abuse");
    expect(() => lenient.admit("a")).not.toThrow();
    expect(() => new TunnelLimiter({ abuseCooldown: -1 })).toThrow(RangeError);
  });
});
