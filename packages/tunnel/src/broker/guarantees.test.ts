// The broker's guarantees against the second attack round, at the tunnel's level: each one is
// played against bridgeTunnel / acceptTunnel with an in-memory browser and guacd, and fails
// without the code that keeps it.
import { describe, expect, it, vi } from "vitest";
import { FakeBrowser, handshakeGuacd, memoryGuacd, until } from "../_test-utils.ts";
import {
  type AcceptTunnelOptions,
  acceptTunnel,
  bridgeTunnel,
  type ConnectionSettings,
  generateTokenSecret,
  importTokenKey,
  MemoryReplayStore,
  openTunnelToken,
  ReplayGuard,
  sealToken,
  type TunnelEvent,
  TunnelMetrics,
} from "../index.ts";

const VNC: ConnectionSettings = { protocol: "vnc", parameters: { hostname: "desktop" } };
const KiB = 1024;

describe("every byte queued toward the browser obeys one high-water mark", () => {
  const ping = `0.,4.ping,8000.${"7".repeat(8000)};`;

  it("pings from a browser that reads nothing pause it, and it resumes once it reads", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    browser.stuck = true;
    const done = bridgeTunnel(browser, guacd.duplex, { highWaterMark: 64 * KiB });
    await until(() => browser.sent.length === 1, 2000, "the UUID");
    for (let i = 0; i < 1000 && !browser.paused; i++) browser.receive(ping);
    expect(browser.paused).toBe(true);
    // Paused at the mark: one echo over it at most.
    expect(browser.bufferedAmount).toBeLessThanOrEqual(64 * KiB + ping.length);
    browser.drain();
    await until(() => !browser.paused, 2000, "the browser to be read again");
    expect(browser.closed).toBeUndefined();
    browser.browserClose();
    expect(await done).toMatchObject({ initiator: "browser", status: 0 });
  });

  it("a browser that cannot be paused is closed with 1009 before twice the mark is queued", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser({ pausable: false });
    browser.stuck = true;
    const done = bridgeTunnel(browser, guacd.duplex, { highWaterMark: 64 * KiB });
    await until(() => browser.sent.length === 1, 2000, "the UUID");
    for (let i = 0; i < 1000 && browser.closed === undefined; i++) browser.receive(ping);
    const result = await done;
    expect(browser.closed?.code).toBe(1009);
    expect(result.error?.message).toMatch(/wait for it to read/);
    expect(browser.sentBytes).toBeLessThanOrEqual(2 * 64 * KiB + ping.length);
  });

  it("many pings in one message are bounded the same way", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser({ pausable: false });
    browser.stuck = true;
    const done = bridgeTunnel(browser, guacd.duplex, { highWaterMark: 16 * KiB });
    await until(() => browser.sent.length === 1, 2000, "the UUID");
    browser.receive(ping.repeat(100));
    await done;
    expect(browser.closed?.code).toBe(1009);
    expect(browser.sentBytes).toBeLessThanOrEqual(2 * 16 * KiB + ping.length);
  });
});

describe("closes are counted right", () => {
  it("a browser that closes while guacd draws ends the tunnel with status 0, not 515", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const metrics = new TunnelMetrics();
    const done = bridgeTunnel(browser, guacd.duplex);
    await until(() => browser.sent.length === 1, 2000, "the UUID");
    guacd.push("4.sync,1.1;");
    await until(() => browser.sent.length === 2, 2000, "guacd's first frame");
    browser.startClosing();
    guacd.push("4.sync,1.2;");
    // The send to the closing browser fails, and the bridge ends the tunnel (cancelling guacd).
    await until(() => guacd.cancelled, 2000, "the bridge to end");
    browser.finishClosing(1000);
    const result = await done;
    expect(result).toMatchObject({ initiator: "browser", status: 0 });
    metrics.closed("default", result.status);
    expect(metrics.render()).toContain('status="0"');
    expect(metrics.render()).not.toContain('status="515"');
  });
});

async function brokerSetup(guacdOptions: { connectionId?: string } = {}) {
  const key = await importTokenKey(generateTokenSecret());
  const guacd = handshakeGuacd(guacdOptions);
  const events: TunnelEvent[] = [];
  const options: AcceptTunnelOptions = {
    key,
    connect: async () => guacd.duplex,
    onEvent: (event) => events.push(event),
  };
  return { key, guacd, events, options };
}

describe("ids from guacd are checked before they reach logs, files or labels", () => {
  it.each([
    "$a\r\ntunnel closed: $b (1000)",
    "$\u001b[2J",
    "../escaped",
    `$${"a".repeat(65)}`,
    "$",
  ])("a `ready` id %j fails the tunnel (1011) and never appears in an event", async (id) => {
    const { key, guacd, events, options } = await brokerSetup({ connectionId: id });
    const browser = new FakeBrowser();
    const result = await acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    expect(result.closeCode).toBe(1011);
    expect(events.map((e) => e.type)).toEqual(["failed"]);
    expect(JSON.stringify(events)).not.toContain(id.slice(1, 3) || "$");
    expect(guacd.closed).toBe(true);
  });

  it("a well-formed id opens the tunnel", async () => {
    const { key, events, options } = await brokerSetup({ connectionId: "$0d3c5d2e-guacd" });
    const browser = new FakeBrowser();
    const done = acceptTunnel(browser, `/t?token=${await sealToken(key, VNC)}`, options);
    await until(() => events.some((e) => e.type === "open"), 2000, "the tunnel to open");
    browser.browserClose();
    expect((await done).status).toBe(0);
  });
});

describe("metrics labels come from fixed sets", () => {
  it("20 distinct unknown statuses from guacd make one `other` series, not 20", () => {
    const metrics = new TunnelMetrics();
    for (let i = 0; i < 20; i++) metrics.closed("default", 0x7000 + i);
    metrics.closed("default", 0x0207);
    const lines = metrics.render().split("\n");
    const closed = lines.filter((l) => l.startsWith("guacstream_tunnels_closed_total{"));
    expect(closed).toEqual([
      'guacstream_tunnels_closed_total{endpoint="default",status="other"} 20',
      'guacstream_tunnels_closed_total{endpoint="default",status="519"} 1',
    ]);
  });
});

describe("bounded before authentication", () => {
  it("a tunnel refused before the upgrade is closed with its status, never read, and dropped after the grace", async () => {
    const { options, events } = await brokerSetup();
    const browser = new FakeBrowser();
    let terminated = 0;
    const ws = Object.assign(browser, {
      terminate: () => {
        terminated++;
        browser.readyState = 3;
      },
    });
    // The peer never answers the close: the fake's close() would, so hold its close event back.
    ws.close = (code?: number, reason?: string) => {
      browser.closed = { code, reason };
      browser.readyState = 2;
    };
    const refusal = await openTunnelToken("/tunnel?token=nonsense", options).catch((e) => e);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      await acceptTunnel(ws, "/tunnel?token=nonsense", { ...options, refusal, closeGrace: 50 });
      expect(browser.closed).toEqual({ code: 1002, reason: "768 Token malformed" });
      expect(browser.paused).toBe(true);
      vi.advanceTimersByTime(49);
      expect(terminated).toBe(0);
      vi.advanceTimersByTime(1);
      expect(terminated).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    expect(events).toMatchObject([{ type: "refused", code: "TOKEN_MALFORMED" }]);
  });

  it("a socket that errs (a frame over the WebSocket layer's limit) is not read, and is dropped after the grace", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    let terminated = 0;
    const ws = Object.assign(browser, {
      terminate: () => {
        terminated++;
        browser.browserClose(1006);
      },
    });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const done = bridgeTunnel(ws, guacd.duplex, { closeGrace: 50 });
      await until(() => browser.sent.length === 1, 2000, "the UUID");
      browser.emitError();
      expect(browser.paused).toBe(true);
      await vi.advanceTimersByTimeAsync(49);
      expect(terminated).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(terminated).toBe(1);
      await vi.runAllTimersAsync();
      expect((await done).initiator).toBe("browser");
    } finally {
      vi.useRealTimers();
    }
  });

  it("a token opened before the upgrade is not claimed twice", async () => {
    const { key, options } = await brokerSetup();
    const replay = new ReplayGuard();
    const url = `/t?token=${await sealToken(key, VNC)}`;
    const token = await openTunnelToken(url, { ...options, replay });
    const browser = new FakeBrowser();
    const done = acceptTunnel(browser, url, { ...options, replay, token });
    await until(() => browser.sent.length >= 1, 2000, "the tunnel to open");
    browser.browserClose();
    expect((await done).status).toBe(0);
    await expect(openTunnelToken(url, { ...options, replay })).rejects.toMatchObject({
      code: "TOKEN_REPLAYED",
    });
  });
});

describe("replay after state loss", () => {
  it("a broker that restarted (an empty in-memory store) refuses a token issued before, used or not", async () => {
    const { key, options } = await brokerSetup();
    // Issued and used two seconds ago, on the broker's previous run.
    const token = await sealToken(key, VNC, { now: Date.now() - 2000 });
    const before = new MemoryReplayStore({ startedAt: Date.now() - 60_000 });
    await openTunnelToken(`/t?token=${token}`, {
      ...options,
      replay: new ReplayGuard({ store: before }),
    });
    // The process restarts: its store is new, and knows nothing of the claim above.
    const restarted = new ReplayGuard({ store: new MemoryReplayStore() });
    const refused = await openTunnelToken(`/t?token=${token}`, {
      ...options,
      replay: restarted,
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "TOKEN_UNVERIFIABLE",
      closeCode: 1008,
      closeReason: "769 Token issued before the replay store started",
    });
    const fresh = await sealToken(key, VNC);
    await expect(
      openTunnelToken(`/t?token=${fresh}`, { ...options, replay: restarted }),
    ).resolves.toMatchObject({
      settings: VNC,
    });
  });
});
