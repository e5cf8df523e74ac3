import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InstructionDecoder } from "@guacstream/codec";
import { defaultCorpusDir, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { sleepReal } from "@guacstream/test-support";
import { connect } from "@guacstream/transport-node";
import { describe, expect, it, vi } from "vitest";
import { collectGarbage, FakeBrowser, memoryGuacd, nextTurn, until } from "../_test-utils.ts";
import {
  type AcceptTunnelOptions,
  acceptTunnel,
  bridgeTunnel,
  type ConnectionSettings,
  generateTokenSecret,
  importTokenKey,
  ReplayGuard,
  sealToken,
  TunnelError,
} from "../index.ts";

const corpus = defaultCorpusDir();
const VNC: ConnectionSettings = {
  protocol: "vnc",
  parameters: { hostname: "desktop", port: "5900" },
};

/** The recording's bytes after guacd's `ready`: what a browser must receive, byte for byte. */
async function afterReady(name: string): Promise<string> {
  const text = new TextDecoder().decode(await readFile(join(corpus, `${name}.s2c.guac`)));
  const ready = text.indexOf("5.ready,");
  return text.slice(text.indexOf(";", ready) + 1);
}

/** Every message holds whole instructions only. */
function wholeInstructions(message: string): boolean {
  const decoder = new InstructionDecoder(() => {});
  decoder.push(new TextEncoder().encode(message));
  return decoder.bufferedBytes === 0;
}

async function withSim<T>(
  run: (
    sim: Awaited<ReturnType<typeof startGuacdSimulator>>,
    options: (
      extra?: Partial<AcceptTunnelOptions>,
    ) => Promise<AcceptTunnelOptions & { connects(): number }>,
  ) => Promise<T>,
  simOptions: Parameters<typeof startGuacdSimulator>[0] = {},
): Promise<T> {
  const sim = await startGuacdSimulator(simOptions);
  try {
    return await run(sim, async (extra = {}) => {
      let connects = 0;
      return {
        key: await importTokenKey(generateTokenSecret()),
        connect: () => {
          connects++;
          return connect({ host: sim.host, port: sim.port });
        },
        connects: () => connects,
        ...extra,
      };
    });
  } finally {
    await sim.close();
  }
}

describe("the WebSocketTunnel protocol", () => {
  it("sends the tunnel UUID first, then guacd's output byte for byte in whole instructions", async () => {
    await withSim(async (_sim, make) => {
      const options = await make();
      const browser = new FakeBrowser({ echoSync: true });
      const token = await sealToken(options.key, VNC);
      const result = await acceptTunnel(browser, `/tunnel?token=${token}`, options);
      expect(browser.sent[0]).toMatch(/^0\.,36\.[0-9a-f-]{36};$/);
      expect(browser.output).toBe(await afterReady("vnc-desktop"));
      expect(browser.sent.every(wholeInstructions)).toBe(true);
      // Coalesced: far fewer messages than the recording's 3,459 instructions.
      expect(browser.sent.length).toBeLessThan(1000);
      expect(result).toMatchObject({ initiator: "guacd", status: 0, closeCode: 1000 });
      expect(browser.closed).toEqual({ code: 1000, reason: "0" });
    });
  });

  it("echoes pings and never forwards an internal instruction to guacd", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex, { uuid: "u-1" });
    await until(() => browser.sent.length === 1, 2000, "the UUID");
    browser.receive("0.,4.ping,13.1732547000000;");
    browser.receive("0.,3.foo,3.bar;4.sync,3.123;");
    browser.receive("0.,4.ping,2.42;5.mouse,1.1,1.2,1.0;");
    await until(() => guacd.received().includes("mouse"), 2000, "the mouse instruction");
    expect(browser.sent).toEqual(["0.,3.u-1;", "0.,4.ping,13.1732547000000;", "0.,4.ping,2.42;"]);
    expect(guacd.received()).toBe("4.sync,3.123;5.mouse,1.1,1.2,1.0;");
    browser.browserClose();
    expect(await done).toMatchObject({ initiator: "browser", instructionsToGuacd: 2 });
  });

  it.each([
    ["ends inside an instruction", "4.sync,3.123", 1002, "768"],
    ["has a bad length", "4.sync,x.1;", 1002, "768"],
    ["exceeds the element limit", `4.blob,1.1,9000.${"A".repeat(9000)};`, 1002, "768"],
    ["is binary", new Uint8Array([1, 2, 3]), 1003, "783"],
  ])("closes the tunnel when a browser message %s", async (_what, message, code, status) => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex);
    await until(() => browser.sent.length === 1);
    browser.receive(message);
    const result = await done;
    expect(result.initiator).toBe("error");
    expect(browser.closed?.code).toBe(code);
    expect(browser.closed?.reason?.split(" ")[0]).toBe(status);
    expect(guacd.received()).toBe("");
  });

  it("closes with guacd's status: upstream not found is 1011 with reason 519", async () => {
    await withSim(async (_sim, make) => {
      const options = await make();
      const browser = new FakeBrowser({ echoSync: true });
      const token = await sealToken(options.key, {
        protocol: "vnc",
        parameters: { hostname: "nowhere.invalid", port: "5900" },
      });
      const result = await acceptTunnel(browser, `/tunnel?token=${token}`, options);
      expect(result).toMatchObject({ initiator: "guacd", status: 519, closeCode: 1011 });
      expect(browser.closed).toEqual({ code: 1011, reason: "519" });
      expect(browser.output).toContain("5.error,");
    });
  });

  it("when writing to guacd fails, still delivers guacd's last bytes and closes with its status", async () => {
    let guacdOut!: ReadableStreamDefaultController<Uint8Array>;
    const readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        guacdOut = c;
      },
    });
    let writes = 0;
    const writable = new WritableStream<Uint8Array>({
      write() {
        writes++;
        throw new Error("EPIPE");
      },
    });
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, { readable, writable });
    await until(() => browser.sent.length === 1);
    browser.receive("4.sync,1.1;");
    await until(() => writes === 1, 2000, "the failed write");
    await nextTurn(); // the pipe to guacd rejects
    for (let i = 0; i < 5; i++) browser.receive("4.sync,1.2;"); // dropped, never thrown
    guacdOut.enqueue(new TextEncoder().encode("5.error,5.Oops!,3.519;10.disconnect;"));
    guacdOut.close();
    expect(await done).toMatchObject({ initiator: "guacd", status: 519, closeCode: 1011 });
    expect(browser.output).toBe("5.error,5.Oops!,3.519;10.disconnect;");
  });

  it("ends with 1001 when the broker aborts the tunnel", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const abort = new AbortController();
    const done = bridgeTunnel(browser, guacd.duplex, { signal: abort.signal });
    await until(() => browser.sent.length === 1);
    abort.abort();
    expect(await done).toMatchObject({ initiator: "aborted", closeCode: 1001 });
    expect(browser.closed?.code).toBe(1001);
  });

  it("ends with the error's status when the abort's reason is a TunnelError", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const abort = new AbortController();
    const done = bridgeTunnel(browser, guacd.duplex, { signal: abort.signal });
    await until(() => browser.sent.length === 1);
    abort.abort(new TunnelError("DRAINING", "Cannot keep tunnel: the broker is draining"));
    expect(await done).toMatchObject({ initiator: "error", status: 0x0201, closeCode: 1008 });
    expect(browser.closed).toMatchObject({ code: 1008, reason: "513 Server draining" });
  });
});

describe("guacd's output as messages", () => {
  /** Plays guacd's reads through a bridge; returns the browser once guacd ended and it closed. */
  async function relay(
    reads: readonly (string | Uint8Array)[],
    options: { bytesAsText?: boolean } = {},
  ): Promise<FakeBrowser> {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex, { uuid: "u-1", ...options });
    for (const read of reads) {
      if (typeof read === "string") guacd.push(read);
      else guacd.pushBytes(read);
    }
    guacd.end();
    await done;
    return browser;
  }

  it("sends one message per guacd read, with the instruction the read before cut in front", async () => {
    const browser = await relay(["4.name,3.abc;4.sy", "nc,1.2;3.nop;1", "0.disconnect;"]);
    expect(browser.sent.slice(1)).toEqual(["4.name,3.abc;", "4.sync,1.2;3.nop;", "10.disconnect;"]);
  });

  it("with bytesAsText, sends ASCII reads as bytes and anything else as a string", async () => {
    const browser = await relay(["4.sync,1.1;", "4.name,1.é;", "4.sync,1.2;"], {
      bytesAsText: true,
    });
    expect(browser.sent.slice(1)).toEqual(["4.sync,1.1;", "4.name,1.é;", "4.sync,1.2;"]);
    expect(browser.bytesAsText).toBe(2);
  });

  it("never reuses a joined message's buffer while a socket still holds it", async () => {
    // Two tunnels whose every read completes an instruction the read before cut: each message is
    // joined, and both sockets keep the bytes by reference instead of sending them.
    const reads = ["4.sync,1.1;4.na", "me,1.a;3.nop;4.na", "me,1.b;3.nop;4.na", "me,1.c;3.nop;"];
    const tunnels = [0, 1].map(() => {
      const guacd = memoryGuacd();
      const browser = new FakeBrowser({ queueBytes: true });
      const done = bridgeTunnel(browser, guacd.duplex, { bytesAsText: true });
      return { guacd, browser, done };
    });
    for (const read of reads) for (const { guacd } of tunnels) guacd.push(read);
    for (const { guacd } of tunnels) guacd.end();
    for (const { browser, done } of tunnels) {
      await done;
      expect(browser.queued.map((bytes) => new TextDecoder().decode(bytes))).toEqual([
        "4.sync,1.1;",
        "4.name,1.a;3.nop;",
        "4.name,1.b;3.nop;",
        "4.name,1.c;3.nop;",
      ]);
    }
  });

  it("reuses a joined message's buffer once it is decoded, though the socket's buffer stays full", async () => {
    // A runtime that queues its own copy of each text message (Deno): the joined bytes are free
    // again once decoded, whatever the socket still holds. Joined messages sit in 256 KiB buffers.
    const joined = new Set<ArrayBufferLike>();
    class WatchedDecoder extends TextDecoder {
      override decode(...args: Parameters<TextDecoder["decode"]>): string {
        const [input] = args;
        if (ArrayBuffer.isView(input) && input.buffer.byteLength === 256 * 1024) {
          joined.add(input.buffer);
        }
        return super.decode(...args);
      }
    }
    vi.stubGlobal("TextDecoder", WatchedDecoder);
    try {
      const guacd = memoryGuacd();
      const browser = new FakeBrowser();
      browser.stuck = true;
      const done = bridgeTunnel(browser, guacd.duplex, { uuid: "u-1" });
      for (const read of [
        "4.sync,1.1;4.na",
        "me,1.a;3.nop;4.na",
        "me,1.b;3.nop;4.na",
        "me,1.c;3.nop;",
      ]) {
        guacd.push(read);
      }
      guacd.end();
      await done;
      expect(browser.bufferedAmount).toBeGreaterThan(0);
      expect(browser.sent.slice(1)).toEqual([
        "4.sync,1.1;",
        "4.name,1.a;3.nop;",
        "4.name,1.b;3.nop;",
        "4.name,1.c;3.nop;",
      ]);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(joined.size).toBe(1);
  });

  it("an idle tunnel holds no part of guacd's last read while it waits for the next", async () => {
    const guacd = memoryGuacd();
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex, { bytesAsText: true });
    const read = ((): WeakRef<ArrayBufferLike> => {
      const bytes = new TextEncoder().encode(`4.blob,1.0,8000.${"A".repeat(8000)};4.sync,1.1;`);
      guacd.pushBytes(bytes);
      return new WeakRef(bytes.buffer);
    })();
    await until(() => browser.sent.length === 2, 5000, "the read's message");
    await collectGarbage();
    expect(read.deref()).toBeUndefined();
    guacd.end();
    await done;
  });

  it("without bytesAsText, sends only strings", async () => {
    const browser = await relay(["4.sync,1.1;", "4.sync,1.2;"]);
    expect(browser.sent.slice(1)).toEqual(["4.sync,1.1;", "4.sync,1.2;"]);
    expect(browser.bytesAsText).toBe(0);
  });

  it("never sends guacd's malformed UTF-8 as it is: it becomes U+FFFD", async () => {
    // guacd counts a stray 0xff as one character.
    const bad = new Uint8Array([...new TextEncoder().encode("4.name,1."), 0xff, 0x3b]);
    const browser = await relay([bad], { bytesAsText: true });
    expect(browser.sent.slice(1)).toEqual(["4.name,1.\ufffd;"]);
    expect(browser.bytesAsText).toBe(0);
  });

  it("takes guacd's status from an error near its end, not from one long before", async () => {
    const late = await relay(["4.sync,1.1;", "5.error,3.bad,3.519;", "10.disconnect;"]);
    expect(late.closed).toEqual({ code: 1011, reason: "519" });
    // An error followed by 64 KiB of drawing is not guacd's last word: the socket just closed.
    const filler = `4.blob,1.0,65536.${"A".repeat(65536)};`;
    const early = await relay(["5.error,3.bad,3.519;", filler]);
    expect(early.closed).toEqual({ code: 1011, reason: "515" });
  });
});

describe("tokens", () => {
  const cases: [string, (o: AcceptTunnelOptions) => Promise<string>, number, string][] = [
    ["missing", async () => "", 1008, "769 Token missing"],
    ["malformed", async () => "v1.%%%", 1002, "768 Token malformed"],
    [
      "forged (another key)",
      async () => sealToken(await importTokenKey(generateTokenSecret()), VNC),
      1008,
      "769 Token invalid",
    ],
    [
      "tampered (one character changed)",
      async (o) => {
        const token = await sealToken(o.key, VNC);
        const i = token.length - 10;
        return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
      },
      1008,
      "769 Token invalid",
    ],
    [
      "expired",
      async (o) => sealToken(o.key, VNC, { now: Date.now() - 120_000, expiresIn: 60_000 }),
      1008,
      "769 Token expired",
    ],
  ];

  it.each(cases)(
    "a %s token is refused with no connection to guacd",
    async (_what, make, code, reason) => {
      await withSim(async (sim, options) => {
        const o = await options();
        const browser = new FakeBrowser();
        const token = await make(o);
        const result = await acceptTunnel(browser, `/tunnel?token=${encodeURIComponent(token)}`, o);
        expect(browser.closed).toEqual({ code, reason });
        expect(result.initiator).toBe("error");
        expect(o.connects()).toBe(0);
        expect(sim.simulator.sessions.length + sim.simulator.reports.length).toBe(0);
        expect(browser.sent).toEqual([]);
      });
    },
  );

  it("a replayed token is refused the second time with 1008 / CLIENT_FORBIDDEN", async () => {
    await withSim(async (_sim, options) => {
      const o = await options({ replay: new ReplayGuard() });
      const token = await sealToken(o.key, VNC);
      const first = new FakeBrowser({ echoSync: true });
      await acceptTunnel(first, `/tunnel?token=${token}`, o);
      expect(first.closed?.code).toBe(1000);
      const second = new FakeBrowser();
      await acceptTunnel(second, `/tunnel?token=${token}`, o);
      expect(second.closed).toEqual({ code: 1008, reason: "771 Token already used" });
      expect(o.connects()).toBe(1);
    });
  });

  it("the browser chooses only allowed settings; connection parameters come from the token", async () => {
    await withSim(
      async (sim, options) => {
        const o = await options({ allow: ["width", "height", "timezone"] });
        const token = await sealToken(o.key, { ...VNC, dpi: 96 });
        const browser = new FakeBrowser({ echoSync: true });
        const query = `token=${token}&width=1600&height=900&dpi=300&timezone=Asia/Tokyo&hostname=evil&port=1`;
        await acceptTunnel(browser, `/tunnel?${query}`, o);
        const [report] = await sim.simulator.waitForReports(1);
        expect(report?.size).toEqual(["1600", "900", "96"]);
        expect(report?.timezone).toBe("Asia/Tokyo");
        expect(report?.params?.hostname).toBe("desktop");
        expect(report?.params?.port).toBe("5900");
      },
      { resolveSession: () => ({ recording: "vnc-desktop", end: "disconnect" }) },
    );
  });

  it("an allowed setting out of range is refused before guacd is contacted", async () => {
    await withSim(async (_sim, options) => {
      const o = await options({ allow: ["width"] });
      const token = await sealToken(o.key, VNC);
      const browser = new FakeBrowser();
      await acceptTunnel(browser, `/tunnel?token=${token}&width=99999`, o);
      expect(browser.closed).toEqual({ code: 1002, reason: "768 Bad setting" });
      expect(o.connects()).toBe(0);
    });
  });
});

describe("back-pressure", () => {
  it("a browser that does not read stops the tunnel reading guacd, then all of it arrives", async () => {
    await withSim(async (sim, make) => {
      const options = await make({ highWaterMark: 256 * 1024 });
      const browser = new FakeBrowser({ echoSync: true });
      browser.stuck = true;
      const token = await sealToken(options.key, VNC);
      const done = acceptTunnel(browser, `/tunnel?token=${token}`, options);
      await until(() => browser.sentBytes > 256 * 1024, 10_000, "the WebSocket to fill");
      // A real socket to the simulator: only time shows that the tunnel stopped reading it.
      await sleepReal(300);
      const sent = browser.sentBytes;
      const guacdSent = sim.simulator.sessions[0]?.output.bytes ?? 0;
      // One over-the-mark message at most (a guacd batch is ≤ 64 KiB) …
      expect(sent).toBeLessThan(256 * 1024 + 128 * 1024);
      // … and guacd is held back too: most of the 13.4 MB recording is still unsent.
      expect(guacdSent).toBeLessThan(8 * 1024 * 1024);
      browser.drain();
      await done;
      expect(browser.output).toBe(await afterReady("vnc-desktop"));
    });
  });

  it("a slow guacd pauses the browser's socket, and resumes it once guacd reads", async () => {
    const guacd = memoryGuacd();
    guacd.hold = true;
    const browser = new FakeBrowser();
    const done = bridgeTunnel(browser, guacd.duplex, { maxInputBytes: 4096 });
    await until(() => browser.sent.length === 1);
    for (let i = 0; i < 200; i++) browser.receive(`5.mouse,2.${10 + (i % 90)},2.20,1.0;`);
    expect(browser.paused).toBe(true);
    expect(browser.closed).toBeUndefined();
    guacd.release();
    await until(() => !browser.paused, 2000, "resume");
    await until(() => guacd.received().split("mouse").length === 201, 2000, "all input");
    browser.browserClose();
    await done;
  });

  it("a socket that cannot pause is closed with 1009 / CLIENT_OVERRUN past twice the bound", async () => {
    const guacd = memoryGuacd();
    guacd.hold = true;
    const browser = new FakeBrowser({ pausable: false });
    const done = bridgeTunnel(browser, guacd.duplex, { maxInputBytes: 4096 });
    await until(() => browser.sent.length === 1);
    for (let i = 0; i < 1000 && browser.closed === undefined; i++) {
      browser.receive(`5.mouse,2.${10 + (i % 90)},2.20,1.0;`);
    }
    await done;
    expect(browser.closed).toEqual({ code: 1009, reason: "781 Too much input" });
  });
});

describe("filters and recording", () => {
  it("a read-only token lets only sync and the like reach guacd", async () => {
    await withSim(
      async (sim, options) => {
        const o = await options();
        const token = await sealToken(o.key, { ...VNC, readOnly: true });
        const browser = new FakeBrowser({ echoSync: true });
        const done = acceptTunnel(browser, `/tunnel?token=${token}`, o);
        await until(() => browser.sent.length > 2, 5000, "output");
        browser.receive("5.mouse,2.10,2.10,1.1;");
        browser.receive("3.key,5.65307,1.1;");
        browser.receive("9.clipboard,1.0,10.text/plain;");
        await until(() => (sim.simulator.sessions[0]?.input.syncs ?? 0) > 3, 5000, "syncs");
        browser.browserClose();
        await done;
        const [report] = await sim.simulator.waitForReports(1);
        expect(report?.input.mouse).toEqual([]);
        expect(report?.input.key).toEqual([]);
        expect(report?.input.other).not.toContain("clipboard");
        expect(report?.input.syncs).toBeGreaterThan(3);
      },
      { resolveSession: () => ({ recording: "vnc-desktop", end: "hold" }) },
    );
  });

  it("the recorder writes exactly what the browser received", async () => {
    await withSim(async (_sim, make) => {
      const recorded: Uint8Array[] = [];
      let closed = false;
      const options = await make({
        record: () =>
          new WritableStream({
            write: (chunk) => void recorded.push(chunk.slice()),
            close: () => {
              closed = true;
            },
          }),
      });
      const browser = new FakeBrowser({ echoSync: true });
      const token = await sealToken(options.key, VNC);
      await acceptTunnel(browser, `/tunnel?token=${token}`, options);
      const text = recorded.map((c) => new TextDecoder().decode(c)).join("");
      expect(text).toBe(browser.output);
      expect(text.length).toBeGreaterThan(13_000_000);
      expect(closed).toBe(true);
    });
  });
});
