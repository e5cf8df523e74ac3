// The attack suite at the tunnel's level: each attack on the broker played against acceptTunnel /
// bridgeTunnel with an in-memory browser, and what reaches guacd counted by an in-memory guacd
// (or the simulator). The example brokers' own attack suite is examples/broker-node/test/attack.
import { describe, expect, it, vi } from "vitest";
import { FakeBrowser, handshakeGuacd, memoryGuacd, sealRawToken, until } from "../_test-utils.ts";
import {
  type AcceptTunnelOptions,
  acceptTunnel,
  bridgeTunnel,
  type ConnectionSettings,
  generateTokenSecret,
  importTokenKey,
  MemoryReplayStore,
  openToken,
  ReplayGuard,
  type ReplayStore,
  sealToken,
  TunnelError,
  type TunnelEvent,
} from "../index.ts";

const VNC: ConnectionSettings = {
  protocol: "vnc",
  parameters: { hostname: "desktop", port: "5900" },
};
const MiB = 1 << 20;

/** acceptTunnel against an in-memory guacd; `connects` counts guacd connections. */
async function setup(extra: Partial<AcceptTunnelOptions> = {}, guacdOptions = {}) {
  const key = await importTokenKey(generateTokenSecret());
  const guacd = handshakeGuacd(guacdOptions);
  const events: TunnelEvent[] = [];
  let connects = 0;
  const options: AcceptTunnelOptions = {
    key,
    connect: async () => {
      connects++;
      return guacd.duplex;
    },
    onEvent: (event) => events.push(event),
    ...extra,
  };
  return { key, guacd, events, options, connects: () => connects };
}

function floodMessage(instruction: string, bytes: number): string {
  return instruction.repeat(Math.floor(bytes / instruction.length));
}

describe("one message cannot freeze the broker", () => {
  it("a 1 MiB message of nop is refused with 1009 and none of it reaches guacd", async () => {
    const { key, guacd, options } = await setup();
    const browser = new FakeBrowser();
    const done = acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    await until(() => browser.sent.length === 1, 5000, "the tunnel to open");
    browser.receive(floodMessage("3.nop;", MiB));
    const result = await done;
    expect(browser.closed).toEqual({ code: 1009, reason: "781 Too many instructions" });
    expect(result.error).toBeInstanceOf(TunnelError);
    expect(guacd.afterConnect()).not.toContain("nop");
    expect(guacd.closed).toBe(true);
  });

  it("a read-only viewer's flood of mouse is refused the same way", async () => {
    const { key, guacd, options } = await setup();
    const browser = new FakeBrowser();
    const token = await sealToken(key, { ...VNC, readOnly: true });
    const done = acceptTunnel(browser, `/t?token=${token}`, options);
    await until(() => browser.sent.length === 1, 5000, "the tunnel to open");
    browser.receive(floodMessage("5.mouse,1.1,1.1,1.0;", MiB));
    await done;
    expect(browser.closed?.code).toBe(1009);
    expect(guacd.afterConnect()).not.toContain("mouse");
  });

  it("more messages per second than allowed closes that tunnel with 1008 / CLIENT_TOO_MANY", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex, { maxMessagesPerSecond: 50 });
    await until(() => browser.sent.length === 1);
    for (let i = 0; i < 60 && browser.closed === undefined; i++) browser.receive("3.nop;");
    await done;
    expect(browser.closed).toEqual({ code: 1008, reason: "797 Too many messages" });
    expect(guacd.received().split("nop").length - 1).toBeLessThanOrEqual(50);
  });

  it("more instructions per second than allowed, packed into few messages, closes that tunnel with 1008", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex, { maxInstructionsPerSecond: 500 });
    await until(() => browser.sent.length === 1);
    // 10 messages, well under the message rate, of 100 instructions each.
    for (let i = 0; i < 10 && browser.closed === undefined; i++) {
      browser.receive("3.nop;".repeat(100));
    }
    await done;
    expect(browser.closed).toEqual({ code: 1008, reason: "797 Too many messages" });
    expect(guacd.received().split("nop").length - 1).toBeLessThanOrEqual(500);
  });

  it("validated input reaches guacd byte for byte, without re-encoding", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex);
    await until(() => browser.sent.length === 1);
    // Non-ASCII and ';' inside values: forwarded as the browser wrote them.
    const sent = [
      "5.mouse,2.10,2.20,1.1;",
      "9.clipboard,5.a;b,c,4.été!;",
      "3.key,5.65307,1.1;3.nop;",
    ];
    for (const message of sent) browser.receive(message);
    await until(() => guacd.received().length >= sent.join("").length - 6);
    browser.browserClose();
    const result = await done;
    expect(guacd.received()).toBe(sent.join(""));
    expect(result.instructionsToGuacd).toBe(4);
  });

  it("a read-only filter decided on bytes keeps the viewer's opcodes, whatever their neighbours", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex, { readOnly: true });
    await until(() => browser.sent.length === 1);
    browser.receive("4.sync,3.123;5.mouse,1.1,1.1,1.1;3.nop;4.sync,1.7;3.ack,1.1,2.OK,1.0;");
    browser.receive("4.sizé,1.1;4.size,3.800,3.600;"); // a lookalike opcode is dropped too
    await until(() => guacd.received().includes("ack"));
    browser.browserClose();
    await done;
    expect(guacd.received()).toBe("4.sync,3.123;3.nop;4.sync,1.7;3.ack,1.1,2.OK,1.0;");
  });
});

describe("input before guacd's ready is bounded in bytes and never dropped", () => {
  it("100 keys sent before ready all reach guacd, in order", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { key, guacd, options } = await setup({}, { readyGate: gate });
    const browser = new FakeBrowser();
    const done = acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    for (let i = 0; i < 100; i++) browser.receive(`3.key,${String(i).length}.${i},1.1;`);
    release();
    await until(() => guacd.afterConnect().split("3.key").length === 101, 5000, "100 keys");
    browser.browserClose();
    await done;
    const keys = [...guacd.afterConnect().matchAll(/3\.key,\d+\.(\d+),1\.1;/g)].map((m) => m[1]);
    expect(keys).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it("more than the byte budget before ready closes the tunnel with 1009 and guacd's connection", async () => {
    const { key, guacd, options, events } = await setup(
      { maxInputBytes: 64 * 1024 },
      { readyGate: new Promise(() => {}) },
    );
    const browser = new FakeBrowser();
    const done = acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    const message = floodMessage("3.key,5.65307,1.1;", 16 * 1024);
    for (let i = 0; i < 80 && browser.closed === undefined; i++) browser.receive(message);
    const result = await done;
    expect(browser.closed).toEqual({ code: 1009, reason: "781 Too much input" });
    expect(result.error).toMatchObject({ code: "OVERRUN" });
    expect(guacd.afterConnect()).toBe("");
    expect(guacd.closed).toBe(true);
    expect(events.map((e) => e.type)).toEqual(["failed"]);
  });
});

describe("token settings are checked, read-only fails closed", () => {
  const bad: [string, Record<string, unknown>][] = [
    ['readOnly "true" (a string)', { ...VNC, readOnly: "true" }],
    ["readOnly 1", { ...VNC, readOnly: 1 }],
    ["an unknown setting", { ...VNC, readonly: true }],
    ["width as text", { ...VNC, width: "1024" }],
    ["a parameter that is not a string", { protocol: "vnc", parameters: { port: 5900 } }],
    ["both protocol and join", { ...VNC, join: "$abc" }],
    ["a __proto__ parameter", { protocol: "vnc", parameters: JSON.parse('{"__proto__":"x"}') }],
  ];
  it.each(bad)(
    "a token with %s is refused with 768 before guacd is contacted",
    async (_, settings) => {
      const { key, options, connects, events } = await setup();
      const now = Date.now() / 1000;
      const token = await sealRawToken(key, {
        jti: "0123456789abcdefABCDEF",
        iat: now,
        exp: now + 60,
        settings,
      });
      const browser = new FakeBrowser();
      await acceptTunnel(browser, `/t?token=${token}`, options);
      expect(browser.closed).toEqual({ code: 1002, reason: "768 Token settings invalid" });
      expect(connects()).toBe(0);
      expect(events).toMatchObject([{ type: "refused", code: "TOKEN_SETTINGS" }]);
    },
  );

  it("joinReadOnly makes a join view-only even when its token says nothing", async () => {
    const { key, guacd, options } = await setup({ joinReadOnly: true });
    const browser = new FakeBrowser();
    const token = await sealToken(key, { join: "$0d3c5d2e-guacd" });
    const done = acceptTunnel(browser, `/t?token=${token}`, options);
    await until(() => browser.sent.length === 1, 5000, "the tunnel to open");
    browser.receive("5.mouse,1.1,1.1,1.1;");
    browser.receive("3.key,5.65307,1.1;");
    browser.receive("4.sync,1.5;");
    await until(() => guacd.afterConnect().includes("sync"));
    browser.browserClose();
    await done;
    expect(guacd.afterConnect()).toBe("4.sync,1.5;");
  });
});

describe("tokens: one spelling, bounded life, a bounded replay guard", () => {
  it("each token has one spelling: the unused low bits of the last character are refused", async () => {
    const key = await importTokenKey(generateTokenSecret());
    const token = await sealToken(key, VNC);
    await openToken(key, token);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let accepted = 0;
    for (const c of alphabet) {
      const variant = token.slice(0, -1) + c;
      if (variant === token) continue;
      accepted += await openToken(key, variant).then(
        () => 1,
        () => 0,
      );
    }
    expect(accepted).toBe(0);
  });

  it("a token living longer than the maximum is refused; a little clock skew is allowed", async () => {
    const key = await importTokenKey(generateTokenSecret());
    const long = await sealToken(key, VNC, { expiresIn: 1e15 });
    await expect(openToken(key, long)).rejects.toMatchObject({ code: "TOKEN_LIFETIME" });
    const week = await sealToken(key, VNC, { expiresIn: 7 * 86_400_000 });
    await expect(openToken(key, week)).rejects.toMatchObject({ code: "TOKEN_LIFETIME" });
    const future = await sealToken(key, VNC, { now: Date.now() + 3_600_000 });
    await expect(openToken(key, future)).rejects.toMatchObject({ code: "TOKEN_LIFETIME" });
    const justExpired = await sealToken(key, VNC, { now: Date.now() - 70_000, expiresIn: 60_000 });
    await expect(openToken(key, justExpired)).resolves.toMatchObject({ settings: VNC });
    const noIat = await sealRawToken(key, {
      jti: "0123456789abcdefABCDEF",
      exp: Date.now() / 1000 + 60,
      settings: VNC,
    });
    await expect(openToken(key, noIat)).rejects.toMatchObject({ code: "TOKEN_MALFORMED" });
  });

  it("a full replay store refuses new tokens quickly, with a status of its own, and frees as ids expire", async () => {
    const store = new MemoryReplayStore({ maxEntries: 100_000 });
    const now = 1_000_000;
    for (let i = 0; i < 100_000; i++) store.claim(`live-${i}`, now + 60_000 + (i % 1000), now);
    const started = performance.now();
    let full = 0;
    for (let i = 0; i < 10_000; i++)
      if (store.claim(`new-${i}`, now + 60_000, now + 1) === "full") full++;
    const elapsed = performance.now() - started;
    expect(full).toBe(10_000);
    // A scan per claim (the old guard: 2.8 ms each) would take ~28 s here.
    expect(elapsed).toBeLessThan(2000);
    expect(store.claim("after-expiry", now + 200_000, now + 61_000)).toBe("claimed");
    expect(store.size).toBeLessThanOrEqual(100_000);
  });

  it("through the broker: full is 1008 / SERVER_BUSY with an event, a failing store is 1011", async () => {
    const full = await setup({ replay: new ReplayGuard({ maxEntries: 1 }) });
    await full.options.replay!.claim("someone-else", Date.now() + 60_000);
    const browser = new FakeBrowser();
    await acceptTunnel(browser, `/t?token=${await sealToken(full.key, VNC)}`, full.options);
    expect(browser.closed).toEqual({ code: 1008, reason: "513 Server busy" });
    expect(full.events).toMatchObject([{ type: "refused", code: "REPLAY_FULL" }]);
    expect(full.connects()).toBe(0);

    const broken: ReplayStore = {
      claim: () => Promise.reject(new Error("redis: connection refused")),
    };
    const down = await setup({ replay: new ReplayGuard({ store: broken }) });
    const other = new FakeBrowser();
    await acceptTunnel(other, `/t?token=${await sealToken(down.key, VNC)}`, down.options);
    expect(other.closed).toEqual({ code: 1011, reason: "512 Server error" });
    expect(down.events).toMatchObject([{ type: "refused", code: "REPLAY_UNAVAILABLE" }]);
    const event = down.events[0] as { error?: Error };
    expect(String((event.error?.cause as Error | undefined)?.message)).toContain("redis");
    expect(down.connects()).toBe(0);
  });
});

describe("recording failures end the session, not the process", () => {
  it("a recording sink that fails ends the session with 1011 and closes guacd", async () => {
    const { key, guacd, options, events } = await setup({
      record: () => new WritableStream({ write: () => Promise.reject(new Error("ENOSPC")) }),
    });
    const browser = new FakeBrowser();
    const done = acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    await until(() => browser.sent.length === 1, 5000, "the tunnel to open");
    guacd.push("4.sync,1.1;");
    const result = await done;
    expect(browser.closed).toEqual({ code: 1011, reason: "512 Recording failed" });
    expect(result.error).toMatchObject({ code: "RECORDING_FAILED" });
    expect(guacd.closed).toBe(true);
    expect(events.at(-1)?.type).toBe("closed");
  });

  it("a record callback that throws (a missing folder) refuses the tunnel with 1011", async () => {
    const { key, guacd, options } = await setup({
      record: () => {
        throw new Error("ENOENT: no such file or directory");
      },
    });
    const browser = new FakeBrowser();
    await acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    expect(browser.closed).toEqual({ code: 1011, reason: "512 Server error" });
    expect(guacd.closed).toBe(true);
  });
});

describe("faults", () => {
  it("guacd killed mid-session: the browser is closed with an upstream status within 1 s", async () => {
    const { key, guacd, options } = await setup();
    const browser = new FakeBrowser();
    const done = acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    await until(() => browser.sent.length === 1, 5000, "the tunnel to open");
    guacd.push("4.sync,1.1;");
    const killed = performance.now();
    guacd.kill();
    await browser.whenClosed();
    expect(performance.now() - killed).toBeLessThan(1000);
    expect(browser.closed).toEqual({ code: 1011, reason: "515" });
    await done;
  });

  it("the browser vanishes: guacd's connection is closed at once", async () => {
    const { key, guacd, options } = await setup();
    const browser = new FakeBrowser();
    const done = acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    await until(() => browser.sent.length === 1, 5000, "the tunnel to open");
    const gone = performance.now();
    browser.browserClose(1006);
    await until(() => guacd.closed, 5000, "guacd's side to close");
    expect(guacd.closedAt! - gone).toBeLessThan(5000);
    await done;
  });

  it("a browser that goes silent (a partial frame held open) is closed after the idle timeout", async () => {
    const { key, guacd, options } = await setup({ idleTimeout: 300 });
    const token = await sealToken(key, VNC);
    // The idle check is an interval reading Date.now: both faked, the rest of the tunnel real.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    try {
      const browser = new FakeBrowser();
      const done = acceptTunnel(browser, `/t?token=${token}`, options);
      await until(() => browser.sent.length === 1, 5000, "the tunnel to open");
      await vi.advanceTimersByTimeAsync(300);
      expect(browser.closed).toBeUndefined();
      await vi.advanceTimersByTimeAsync(100); // the next check after 300 ms of silence
      expect(browser.closed).toEqual({ code: 1002, reason: "776 Browser timed out" });
      const result = await done;
      expect(result.error).toMatchObject({ code: "IDLE_TIMEOUT" });
      expect(guacd.closed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a broker callback or a logger that throws never escapes acceptTunnel", async () => {
    const { key, options } = await setup({
      onEvent: () => {
        throw new Error("logger down");
      },
      filters: () => {
        throw new Error("filter lookup failed");
      },
    });
    const browser = new FakeBrowser();
    const result = await acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    expect(browser.closed).toEqual({ code: 1011, reason: "512 Server error" });
    expect(result.error).toMatchObject({ code: "INTERNAL" });
    const odd = new FakeBrowser();
    await acceptTunnel(odd, "//", options);
    expect(odd.closed).toEqual({ code: 1008, reason: "769 Token missing" });
  });
});
