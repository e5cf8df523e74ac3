// One behaviour suite, run over in-memory web streams and over real loopback TCP.

import { describe, expect, it } from "vitest";
import {
  advance,
  advanceUntil,
  frames,
  memoryPair,
  playClient,
  settle,
  shape,
  type TestClient,
  tcpClient,
  useFakeTime,
} from "./_test-utils.ts";
import { encodeInstruction, parseAll } from "./_wire.ts";
import { type LoadedCorpus, loadCorpus, startGuacdSimulator } from "./node.ts";
import type { SessionPlan } from "./plan.ts";
import type { SessionReport } from "./report.ts";
import { GuacdSimulator, type GuacdSimulatorOptions } from "./simulator.ts";

type Options = Partial<GuacdSimulatorOptions>;

interface Harness {
  readonly sim: GuacdSimulator;
  /** Opens a client; `report` resolves when its session has ended. */
  connect(): Promise<{ client: TestClient; report: Promise<SessionReport> }>;
  close(): Promise<void>;
}

const corpus: LoadedCorpus = await loadCorpus();
const args = (protocol: string): Uint8Array => corpus.args[protocol]!;
const c2s = (name: string): Uint8Array => corpus.clientRecordings[name]!;
const s2c = (name: string): Uint8Array => corpus.recordings[name]!;

/** The report of session `serial`, once it has ended (sessions end in any order). */
async function reportOf(sim: GuacdSimulator, serial: number): Promise<SessionReport> {
  for (let ended = 1; ; ended++) {
    const reports = await sim.waitForReports(ended);
    const found = reports.find((r) => r.serial === serial);
    if (found !== undefined) return found;
  }
}

useFakeTime();

const transports: Record<string, (options?: Options) => Promise<Harness>> = {
  memory: async (options = {}) => {
    const sim = new GuacdSimulator({ corpus, ...options });
    return {
      sim,
      async connect() {
        const { server, client } = memoryPair();
        const report = sim.serve(server);
        report.catch(() => {});
        return { client, report };
      },
      close: () => sim.closeAll(),
    };
  },
  tcp: async (options = {}) => {
    const running = await startGuacdSimulator({ corpus, ...options });
    let serial = 0;
    return {
      sim: running.simulator,
      async connect() {
        const client = await tcpClient(running.port);
        return { client, report: reportOf(running.simulator, ++serial) };
      },
      close: () => running.close(),
    };
  },
};

/** Compares the server's output with a recorded s2c file: same opcodes and elements, in order. */
function expectSameShape(client: TestClient, recording: Uint8Array, count?: number): void {
  const expected = shape(parseAll(recording).instructions);
  const got = shape(client.received);
  const n = count ?? expected.length;
  expect(got.length).toBeGreaterThanOrEqual(n);
  for (let k = 0; k < n; k++) {
    if (got[k]!.join(",") !== expected[k]!.join(",")) {
      expect({ index: k, got: got[k] }).toEqual({ index: k, got: expected[k] });
    }
  }
  expect(got.slice(0, n).map((i) => i[0])).toEqual(expected.slice(0, n).map((i) => i[0]));
}

function connectFor(protocol: string, values: readonly string[]): Uint8Array {
  return encodeInstruction(
    "connect",
    ...values.slice(0, parseAll(args(protocol)).instructions[0]!.args.length),
  );
}

function vncConnect(port: string, password = ""): string[] {
  const names = parseAll(args("vnc")).instructions[0]!.args;
  return names.map((name, k) =>
    k === 0
      ? name
      : name === "hostname"
        ? "127.0.0.1"
        : name === "port"
          ? port
          : name === "password"
            ? password
            : "",
  );
}

for (const [transport, start] of Object.entries(transports)) {
  const harness = start;

  describe(`${transport}: recorded client sessions replayed byte for byte`, () => {
    const cases: [string, string, Options][] = [
      ["vnc-desktop", "vnc-desktop", {}],
      ["vnc-desktop-20s", "vnc-desktop-20s", {}],
      ["ssh-text", "ssh-text", {}],
      ["vnc-required", "vnc-required", {}],
      ["errors/ssh-bad-password", "errors/ssh-bad-password", {}],
      ["errors/vnc-upstream-refused", "errors/vnc-upstream-refused", {}],
    ];
    for (const [client, server, options] of cases) {
      it(`${client}.c2s → output shaped like ${server}.s2c`, async () => {
        const h = await harness(options);
        try {
          const { client: c, report } = await h.connect();
          c.echoSync = false;
          await playClient(c, c2s(client), server === "vnc-required" ? 0 : 5000);
          const count = parseAll(s2c(server)).instructions.length;
          const enough = (): boolean => c.received.length >= count;
          // vnc-required is held open after its replay: the idle syncs make up the count.
          if (server === "vnc-required") await advanceUntil(enough, `${count} instructions`);
          else await c.until(enough, 20000, `${count} instructions`);
          expectSameShape(c, s2c(server));
          if (server !== "vnc-required") {
            await c.waitClosed();
            expect(c.received.length).toBe(count);
          }
          c.end();
          const r = await report;
          const handshake = frames(c2s(client)).filter(
            (f) => f.instruction.opcode === "connect",
          )[0]!;
          expect(r.connect?.values).toEqual(handshake.instruction.args);
          expect(r.connect?.raw.map((b) => [...b])).toEqual(
            handshake.instruction.rawArgs.map((b) => [...b]),
          );
          expect(r.size).toEqual(["1024", "768", "96"]);
          expect(r.timezone).toBe("Europe/Berlin");
          expect(r.image).toEqual(["image/png", "image/jpeg", "image/webp"]);
          expect(r.connectionId).toMatch(
            /^\$[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
          );
          if (server === "vnc-required") expect(r.input.argv).toEqual({ password: "s3cret" });
        } finally {
          await h.close();
        }
      }, 30000);
    }

    it("errors/ssh-silent-client.c2s → drawing, then error 776 + disconnect after the sync timeout", async () => {
      const h = await harness({ syncTimeoutMs: 2000, idleSyncIntervalMs: 0, nopIntervalMs: 60000 });
      try {
        const { client: c, report } = await h.connect();
        const started = Date.now();
        await playClient(c, c2s("errors/ssh-silent-client"));
        await advanceUntil(() => c.closed, "close");
        expectSameShape(c, s2c("errors/ssh-silent-client"));
        expect(c.received.length).toBe(137);
        expect(c.closedAt - started).toBeGreaterThanOrEqual(2000);
        expect(c.closedAt - started).toBeLessThan(3000);
        expect((await report).end).toMatchObject({ reason: "sync-timeout", closedBy: "server" });
      } finally {
        await h.close();
      }
    });
  });

  describe(`${transport}: handshake failures`, () => {
    it("select-unknown-protocol: silence, the socket stays open until the client closes", async () => {
      const h = await harness({ handshakeTimeoutMs: 200 });
      try {
        const { client: c, report } = await h.connect();
        c.send(c2s("errors/select-unknown-protocol"));
        await advanceUntil(() => h.sim.sessions[0]?.protocol === "nosuch", "select");
        await advance(500);
        expect(c.bytes).toBe(0);
        expect(c.closed).toBe(false);
        expect(h.sim.sessions[0]?.end).toBeUndefined();
        c.end();
        expect((await report).end).toEqual({
          reason: "unknown-protocol",
          closedBy: "client",
          held: true,
        });
      } finally {
        await h.close();
      }
    });

    it("join-nonexistent-connection: error 516 at once, then close, no args", async () => {
      const h = await harness();
      try {
        const { client: c, report } = await h.connect();
        c.send(c2s("errors/join-nonexistent-connection"));
        await c.waitClosed(2000);
        expect(shape(c.received)).toEqual(
          shape(parseAll(s2c("errors/join-nonexistent-connection")).instructions),
        );
        expect(c.bytes).toBe(37);
        expect((await report).end?.reason).toBe("no-such-connection");
      } finally {
        await h.close();
      }
    });

    it("malformed-garbage: closed at once, nothing sent", async () => {
      const h = await harness();
      try {
        const { client: c, report } = await h.connect();
        const started = Date.now();
        c.send(c2s("errors/malformed-garbage"));
        await c.waitClosed(2000);
        expect(c.closedAt - started).toBeLessThan(1000);
        expect(c.bytes).toBe(0);
        expect((await report).end).toMatchObject({ reason: "malformed", closedBy: "server" });
      } finally {
        await h.close();
      }
    });

    it("malformed-length: nothing, closed at the handshake timeout", async () => {
      const h = await harness({ handshakeTimeoutMs: 400 });
      try {
        const { client: c, report } = await h.connect();
        const started = Date.now();
        c.send(c2s("errors/malformed-length"));
        await advanceUntil(() => c.closed, "close");
        expect(c.closedAt - started).toBeGreaterThanOrEqual(400);
        expect(c.bytes).toBe(0);
        expect((await report).end).toMatchObject({ reason: "handshake-timeout", held: false });
      } finally {
        await h.close();
      }
    });

    it("select-then-silent: args, then nothing; guacd holds the socket after its timeout", async () => {
      const h = await harness({ handshakeTimeoutMs: 300 });
      try {
        const { client: c, report } = await h.connect();
        c.send(c2s("errors/select-then-silent"));
        await c.waitFor("args");
        await advance(800);
        expect(h.sim.sessions[0]?.end).toBeUndefined();
        expect(c.bytes).toBe(1000);
        expect(shape(c.received)).toEqual(
          shape(parseAll(s2c("errors/select-then-silent")).instructions),
        );
        expect(c.closed).toBe(false);
        c.end();
        expect((await report).end).toEqual({
          reason: "handshake-timeout",
          closedBy: "client",
          held: true,
        });
      } finally {
        await h.close();
      }
    });

    it("select-then-silent with afterHandshakeFailure close: closed at the timeout", async () => {
      const h = await harness({ handshakeTimeoutMs: 300, afterHandshakeFailure: "close" });
      try {
        const { client: c, report } = await h.connect();
        c.send(c2s("errors/select-then-silent"));
        await c.waitFor("args");
        await advanceUntil(() => c.closed, "close");
        expect(c.opcodes).toEqual(["args"]);
        expect((await report).end).toMatchObject({
          reason: "handshake-timeout",
          closedBy: "server",
        });
      } finally {
        await h.close();
      }
    });

    it("connect-utf16-length: args, then nothing at all, socket open", async () => {
      const h = await harness();
      try {
        const { client: c, report } = await h.connect();
        c.send(c2s("errors/connect-utf16-length"));
        await c.waitFor("args");
        await advanceUntil(() => h.sim.sessions[0]?.name === "capture", "name");
        await advance(500);
        expect(h.sim.sessions[0]?.end).toBeUndefined();
        expect(shape(c.received)).toEqual(
          shape(parseAll(s2c("errors/connect-utf16-length")).instructions),
        );
        expect(c.closed).toBe(false);
        c.end();
        const r = await report;
        expect(r.end).toEqual({ reason: "handshake-failed", closedBy: "client", held: true });
        expect(r.name).toBe("capture");
      } finally {
        await h.close();
      }
    });

    it("connect with the wrong number of values: ready first, then close without error", async () => {
      const h = await harness();
      try {
        const { client: c, report } = await h.connect();
        c.send(encodeInstruction("select", "vnc"));
        c.send(encodeInstruction("connect", "VERSION_1_5_0", "127.0.0.1", "5905"));
        await c.waitClosed(2000);
        expect(shape(c.received).map((i) => i[0])).toEqual(["args", "ready"]);
        expect(shape(c.received)[1]).toEqual(["ready", "$<uuid>"]);
        expect((await report).end).toMatchObject({ reason: "arg-count", closedBy: "server" });
      } finally {
        await h.close();
      }
    });

    it("a first instruction other than select: closed at once", async () => {
      const h = await harness();
      try {
        const { client: c, report } = await h.connect();
        c.send("4.size,4.1024,3.768;");
        await c.waitClosed(2000);
        expect(c.bytes).toBe(0);
        expect((await report).end?.reason).toBe("not-select");
      } finally {
        await h.close();
      }
    });
  });

  describe(`${transport}: session`, () => {
    const hold = (plan: SessionPlan) => () => plan;

    it("reads handshake instructions in any order and any subset", async () => {
      const h = await harness({ resolveSession: hold({ end: "hold" }) });
      try {
        const { client: c, report } = await h.connect();
        c.send(encodeInstruction("select", "telnet"));
        c.send(encodeInstruction("name", "Zoë"));
        c.send(encodeInstruction("timezone", "Asia/Tokyo"));
        c.send(encodeInstruction("bogus", "1"));
        const names = parseAll(args("telnet")).instructions[0]!.args;
        c.send(
          encodeInstruction(
            "connect",
            ...names.map((n, k) => (k === 0 ? n : n === "hostname" ? "h" : "")),
          ),
        );
        await c.waitFor("ready");
        c.send("10.disconnect;");
        await c.waitClosed();
        const r = await report;
        expect(r.handshake.map((i) => i.opcode)).toEqual(["name", "timezone", "bogus"]);
        expect(r).toMatchObject({ protocol: "telnet", name: "Zoë", timezone: "Asia/Tokyo" });
        expect(r.size).toBeUndefined();
        expect(r.params?.hostname).toBe("h");
        expect(r.params?.VERSION).toBe("VERSION_1_5_0");
        expect(c.opcodes.slice(-1)).toEqual(["disconnect"]);
        expect(r.end).toMatchObject({ reason: "client-disconnect" });
      } finally {
        await h.close();
      }
    });

    it("records mouse, key, size and clipboard; acks no clipboard blob, as guacd", async () => {
      const h = await harness({
        resolveSession: hold({ recording: "native/vnc-native", end: "hold" }),
      });
      try {
        const { client: c, report } = await h.connect();
        c.echoSync = true;
        c.send(encodeInstruction("select", "vnc"));
        c.send(connectFor("vnc", vncConnect("5905")));
        await c.waitFor("ready");
        c.send(encodeInstruction("mouse", "10", "20", "1"));
        c.send(encodeInstruction("key", "65307", "1"));
        c.send(encodeInstruction("size", "800", "600"));
        const text = "héllo, wörld 🌍; done";
        const b64 = Buffer.from(text).toString("base64");
        c.send(encodeInstruction("clipboard", "7", "text/plain"));
        c.send(encodeInstruction("blob", "7", b64.slice(0, 12)));
        c.send(encodeInstruction("blob", "7", b64.slice(12)));
        c.send(encodeInstruction("end", "7"));
        // A second end finds the index closed: guacd's only ack on it, so the first to come.
        c.send(encodeInstruction("end", "7"));
        await c.until(() => c.received.some((i) => i.opcode === "ack"));
        const acks = c.received.filter((i) => i.opcode === "ack").map((i) => i.args);
        expect(acks).toEqual([["7", "Invalid stream index", "768"]]);
        c.send("10.disconnect;");
        await c.waitClosed();
        const r = await report;
        expect(r.input.mouse).toEqual([["10", "20", "1"]]);
        expect(r.input.key).toEqual([["65307", "1"]]);
        expect(r.input.size).toEqual([["800", "600"]]);
        expect(r.input.clipboard).toEqual([text]);
        expect(r.input.syncs).toBeGreaterThan(0);
      } finally {
        await h.close();
      }
    });

    it("sends a clipboard stream split into base64 blobs", async () => {
      const h = await harness({ resolveSession: hold({ end: "hold" }) });
      try {
        const { client: c } = await h.connect();
        c.send(encodeInstruction("select", "vnc"));
        c.send(connectFor("vnc", vncConnect("5905")));
        const ready = await c.waitFor("ready");
        const id = c.received[ready]!.args[0]!;
        const text = `${"é".repeat(4000)}🌍`;
        expect(h.sim.sendClipboard(id, text)).toBe(1);
        const end = await c.waitFor("end");
        const stream = c.received.slice(ready + 1, end + 1);
        expect(stream.map((i) => i.opcode)).toEqual(["clipboard", "blob", "blob", "end"]);
        expect(stream[0]!.args).toEqual(["63", "text/plain"]);
        expect(stream[1]!.args[1]!.length).toBe(8064);
        const bytes = Buffer.concat(
          stream.slice(1, 3).map((i) => Buffer.from(i.args[1]!, "base64")),
        );
        expect(bytes.toString("utf8")).toBe(text);
      } finally {
        await h.close();
      }
    });

    it("joins a live connection by id; the joiner leaves when the owner does", async () => {
      const h = await harness({
        resolveSession: (ctx) =>
          ctx.joining ? { end: "hold" } : { recording: "native/vnc-native", end: "hold" },
      });
      try {
        const owner = await h.connect();
        owner.client.echoSync = true;
        owner.client.send(encodeInstruction("select", "vnc"));
        owner.client.send(connectFor("vnc", vncConnect("5905")));
        const id = owner.client.received[await owner.client.waitFor("ready")]!.args[0]!;
        expect(h.sim.connections).toContain(id);

        const joiner = await h.connect();
        joiner.client.echoSync = true;
        joiner.client.send(encodeInstruction("select", id));
        await joiner.client.waitFor("args");
        expect(joiner.client.received[0]!.args).toEqual(
          parseAll(args("vnc")).instructions[0]!.args,
        );
        joiner.client.send(encodeInstruction("size", "640", "480", "96"));
        joiner.client.send(connectFor("vnc", vncConnect("5905")));
        const ready = await joiner.client.waitFor("ready");
        expect(joiner.client.received[ready]!.args[0]).toBe(id);
        expect(h.sim.sendClipboard(id, "to both")).toBe(2);
        await joiner.client.waitFor("clipboard");
        await owner.client.waitFor("clipboard");
        const joinedMsg = owner.client.received.find((i) => i.opcode === "msg");
        expect(joinedMsg?.args.slice(0, 1)).toEqual(["1"]);
        expect(joinedMsg?.args[1]).toMatch(/^@[0-9a-f-]{36}$/);

        // A second joiner comes and goes: the owner hears of both.
        const second = await h.connect();
        second.client.send(encodeInstruction("select", id));
        second.client.send(encodeInstruction("name", "Zoë"));
        second.client.send(connectFor("vnc", vncConnect("5905")));
        await second.client.waitFor("ready");
        second.client.end();
        await owner.client.until(
          () => owner.client.received.filter((i) => i.opcode === "msg").length >= 3,
        );
        const msgs = owner.client.received.filter((i) => i.opcode === "msg").map((i) => i.args);
        expect(msgs.slice(1).map((m) => [m[0], m[2]])).toEqual([
          ["1", "Zoë"],
          ["2", "Zoë"],
        ]);
        expect(msgs[1]![1]).toBe(msgs[2]![1]);

        owner.client.send("10.disconnect;");
        await joiner.client.waitClosed(5000);
        expect(joiner.client.opcodes.at(-1)).toBe("disconnect");
        const r = await joiner.report;
        expect(r).toMatchObject({ joined: id, protocol: "vnc", select: id, connectionId: id });
        expect(r.end?.reason).toBe("connection-closed");
        expect((await owner.report).end?.reason).toBe("client-disconnect");
      } finally {
        await h.close();
      }
    });

    it("a sync echo newer than any sent is fatal", async () => {
      const h = await harness({
        resolveSession: hold({ recording: "native/vnc-native", end: "hold" }),
      });
      try {
        const { client: c, report } = await h.connect();
        c.send(encodeInstruction("select", "vnc"));
        c.send(connectFor("vnc", vncConnect("5905")));
        await c.waitFor("sync");
        c.send(encodeInstruction("sync", "99999999999"));
        await c.waitClosed();
        expect(c.opcodes.at(-1)).toBe("disconnect");
        expect((await report).end?.reason).toBe("sync-ahead");
      } finally {
        await h.close();
      }
    });

    it("a client silent for syncTimeoutMs (2 s) gets error 776 + disconnect", async () => {
      const h = await harness({ syncTimeoutMs: 2000, resolveSession: hold({ end: "hold" }) });
      try {
        const { client: c, report } = await h.connect();
        c.send(encodeInstruction("select", "ssh"));
        c.send(
          connectFor(
            "ssh",
            parseAll(args("ssh")).instructions[0]!.args.map((n, k) => (k === 0 ? n : "")),
          ),
        );
        await c.waitFor("ready");
        await advance(1500);
        c.send("3.nop;"); // any instruction counts as activity, as guacd's receive timeout
        await advanceUntil(() => h.sim.sessions[0]?.input.nops === 1, "the nop");
        const last = Date.now();
        await advanceUntil(() => c.closed, "close");
        expect(c.closedAt - last).toBeGreaterThanOrEqual(2000);
        const tail = c.received.slice(-2).map((i) => [i.opcode, ...i.args]);
        expect(tail).toEqual([["error", "Aborted. See logs.", "776"], ["disconnect"]]);
        expect((await report).input.nops).toBe(1);
      } finally {
        await h.close();
      }
    });

    it("vnc-required with the password given in connect skips the prompt", async () => {
      const h = await harness();
      try {
        const { client: c, report } = await h.connect();
        c.echoSync = true;
        c.send(encodeInstruction("select", "vnc"));
        c.send(connectFor("vnc", vncConnect("5907", "s3cret")));
        await advanceUntil(() => c.received.length >= 154, "154 instructions");
        expect(c.opcodes).not.toContain("required");
        expect(c.opcodes).not.toContain("ack");
        expect(c.opcodes.slice(0, 4)).toEqual(["args", "ready", "size", "size"]);
        c.end();
        expect((await report).plan).toEqual({ recording: "vnc-required", required: "skip" });
      } finally {
        await h.close();
      }
    });

    it("an unknown recording in a plan rejects serve with unknown-recording", async () => {
      const h = await harness({ resolveSession: hold({ recording: "nope" }) });
      try {
        const { client: c, report } = await h.connect();
        c.send(encodeInstruction("select", "vnc"));
        c.send(connectFor("vnc", vncConnect("5905")));
        await c.waitClosed();
        if (transport === "memory") {
          await expect(report).rejects.toMatchObject({ code: "unknown-recording" });
        } else {
          expect((await report).end?.reason).toBe("internal-error");
        }
      } finally {
        await h.close();
      }
    });
  });
}

describe("pacing and back-pressure (in memory)", () => {
  const tiny = (text: string) => ({
    args: { demo: encodeInstruction("args", "VERSION_1_5_0") },
    recordings: { tiny: new TextEncoder().encode(text) },
  });
  const start = (sim: GuacdSimulator) => {
    const { server, client } = memoryPair();
    const report = sim.serve(server);
    client.send("6.select,4.demo;7.connect,13.VERSION_1_5_0;");
    return { client, report };
  };

  it("realtime pace follows the sync timestamps", async () => {
    const sim = new GuacdSimulator({
      corpus: tiny("4.sync,4.1000,1.0;3.nop;4.sync,4.1300,1.0;4.sync,4.1600,1.0;10.disconnect;"),
      resolveSession: () => ({ recording: "tiny", pace: "realtime" }),
    });
    const { client, report } = start(sim);
    client.echoSync = true;
    await advanceUntil(() => client.closed, "close");
    const ready = client.firstByteAt;
    expect(client.closedAt - ready).toBeGreaterThanOrEqual(600);
    expect(client.closedAt - ready).toBeLessThan(700);
    expect(client.opcodes).toEqual(["args", "ready", "sync", "nop", "sync", "sync", "disconnect"]);
    expect((await report).end?.reason).toBe("replay-complete");
  });

  it("loop replays again with sync timestamps shifted forward", async () => {
    const sim = new GuacdSimulator({
      corpus: tiny("4.sync,4.1000,1.0;3.nop;4.sync,4.1010,1.0;"),
      resolveSession: () => ({ recording: "tiny", end: "loop" }),
    });
    const { client } = start(sim);
    client.echoSync = true;
    await client.until(() => client.received.filter((i) => i.opcode === "sync").length >= 8);
    const ts = client.received.filter((i) => i.opcode === "sync").map((i) => Number(i.args[0]));
    for (let k = 1; k < ts.length; k++) expect(ts[k]!).toBeGreaterThan(ts[k - 1]!);
    await sim.closeAll();
    expect(sim.reports[0]?.end?.reason).toBe("aborted");
  });

  it("fast pace waits for a client that does not read", async () => {
    const sim = new GuacdSimulator({
      corpus,
      resolveSession: () => ({ recording: "vnc-desktop" }),
    });
    const toServer = new TransformStream<Uint8Array, Uint8Array>();
    const toClient = new TransformStream<Uint8Array, Uint8Array>();
    const report = sim.serve({ readable: toServer.readable, writable: toClient.writable });
    const writer = toServer.writable.getWriter();
    await writer.write(new TextEncoder().encode("6.select,3.vnc;"));
    await writer.write(connectFor("vnc", vncConnect("5905")));
    await settle();
    const live = sim.sessions[0]!;
    expect(live.output.bytes).toBeGreaterThan(0);
    expect(live.output.bytes).toBeLessThan(300_000);
    let total = 0;
    const reader = toClient.readable.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.length;
    expect(total).toBe(13_421_160);
    expect((await report).end?.reason).toBe("replay-complete");
  });
});
