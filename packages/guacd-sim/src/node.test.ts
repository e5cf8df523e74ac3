import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, connect as netConnect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { advance, advanceUntil, settle, tcpClient, useFakeTime } from "./_test-utils.ts";
import { encodeInstruction, parseAll } from "./_wire.ts";
import { defaultCorpusDir, loadCorpus, socketToDuplex, startGuacdSimulator } from "./node.ts";

const corpus = await loadCorpus();

function vncConnect(): Uint8Array {
  const names = parseAll(corpus.args.vnc!).instructions[0]!.args;
  return encodeInstruction(
    "connect",
    ...names.map((n, k) =>
      k === 0 ? n : n === "hostname" ? "127.0.0.1" : n === "port" ? "5905" : "",
    ),
  );
}

describe("loadCorpus", () => {
  it("names args, server and client recordings by path", () => {
    expect(Object.keys(corpus.args).sort()).toEqual(["kubernetes", "rdp", "ssh", "telnet", "vnc"]);
    for (const name of [
      "vnc-desktop",
      "vnc-desktop-20s",
      "ssh-text",
      "vnc-required",
      "errors/ssh-bad-password",
      "errors/ssh-silent-client",
      "errors/vnc-upstream-refused",
      "native/vnc-native",
    ]) {
      expect(corpus.recordings[name], name).toBeInstanceOf(Uint8Array);
    }
    expect(corpus.recordings["vnc-desktop"]!.length).toBe(13_421_160);
    expect(corpus.clientRecordings["errors/malformed-garbage"]!.length).toBe(4);
  });

  it("GUACSTREAM_CORPUS overrides the directory", () => {
    const saved = process.env.GUACSTREAM_CORPUS;
    process.env.GUACSTREAM_CORPUS = "/somewhere/else";
    try {
      expect(defaultCorpusDir()).toBe("/somewhere/else");
    } finally {
      if (saved === undefined) delete process.env.GUACSTREAM_CORPUS;
      else process.env.GUACSTREAM_CORPUS = saved;
    }
    expect(defaultCorpusDir()).toMatch(/shared[/\\]corpus[/\\]?$/);
  });
});

describe("socketToDuplex", () => {
  it("stops accepting writes while the peer does not read, and resumes when it does", async () => {
    const accepted: Socket[] = [];
    const server = createServer((socket) => accepted.push(socket));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as { port: number }).port;
    const connection = once(server, "connection");
    const peer = netConnect({ port, host: "127.0.0.1" });
    try {
      peer.pause();
      await once(peer, "connect");
      const [socket] = (await connection) as [Socket];
      const duplex = socketToDuplex(socket);
      const writer = duplex.writable.getWriter();
      const chunk = new Uint8Array(64 * 1024);
      let written = 0;
      const pump = (async () => {
        while (written < 64 * 1024 * 1024) {
          await writer.ready;
          void writer.write(chunk).catch(() => {});
          written += chunk.length;
        }
      })();
      // Stalled: the socket waits for a drain and the writer for room, turn after turn.
      let still = 0;
      for (let last = -1; still < 20; last = written) {
        await settle();
        still = written === last && socket.writableNeedDrain ? still + 1 : 0;
      }
      const stalled = written;
      expect(stalled).toBeLessThan(48 * 1024 * 1024);
      peer.resume();
      peer.on("data", () => {});
      await once(socket, "drain");
      while (written === stalled) await settle();
      expect(written).toBeGreaterThan(stalled);
      peer.destroy();
      await pump.catch(() => {});
    } finally {
      peer.destroy();
      for (const s of accepted) s.destroy();
      server.close();
    }
  });
});

describe("startGuacdSimulator", () => {
  useFakeTime();

  it("replays vnc-desktop (13.4 MB) over loopback TCP as fast as the client reads", async () => {
    const sim = await startGuacdSimulator({ corpus });
    try {
      expect(sim.host).toBe("127.0.0.1");
      expect(sim.address).toBe(`127.0.0.1:${sim.port}`);
      const client = await tcpClient(sim.port);
      client.echoSync = true;
      const started = performance.now();
      client.send(encodeInstruction("select", "vnc"));
      client.send(vncConnect());
      await client.waitClosed(30000);
      const seconds = (performance.now() - started) / 1000;
      expect(client.bytes).toBe(13_421_160);
      const [report] = await sim.simulator.waitForReports(1);
      expect(report?.end?.reason).toBe("replay-complete");
      expect(report?.input.syncs).toBeGreaterThan(0);
      console.log(`vnc-desktop over TCP: ${(client.bytes / 1e6 / seconds).toFixed(0)} MB/s`);
    } finally {
      await sim.close();
    }
  }, 40000);

  it("keeps an idle session alive for 20 s while the client echoes sync and answers nop", async () => {
    const sim = await startGuacdSimulator({
      corpus,
      resolveSession: () => ({ recording: "native/vnc-native", end: "hold" }),
      idleSyncIntervalMs: 3000,
      nopIntervalMs: 2000,
    });
    try {
      const client = await tcpClient(sim.port);
      client.echoSync = true;
      client.send(encodeInstruction("select", "vnc"));
      client.send(vncConnect());
      await client.waitFor("ready");
      const replayed = parseAll(corpus.recordings["native/vnc-native"]!).instructions.length;
      await client.until(() => client.received.length >= replayed + 2);
      const from = client.received.length;
      let answered = 0;
      const timer = setInterval(() => {
        const nops = client.received.slice(from).filter((i) => i.opcode === "nop").length;
        for (; answered < nops; answered++) client.send("3.nop;");
      }, 100);
      try {
        await advance(20000, 50);
      } finally {
        clearInterval(timer);
      }
      const idle = client.received.slice(from).map((i) => i.opcode);
      expect(client.closed).toBe(false);
      expect(idle).not.toContain("error");
      expect(idle.filter((o) => o === "sync").length).toBeGreaterThanOrEqual(5);
      expect(idle.filter((o) => o === "nop").length).toBeGreaterThanOrEqual(3);
      expect(new Set(idle)).toEqual(new Set(["sync", "nop"]));
      const live = sim.simulator.sessions[0]!;
      expect(live.end).toBeUndefined();
      expect(live.input.nops).toBe(answered);
      client.end();
      const [report] = await sim.simulator.waitForReports(1);
      expect(report?.end).toMatchObject({ reason: "client-closed", closedBy: "client" });
    } finally {
      await sim.close();
    }
  });

  it("close() aborts open sessions, including held ones", async () => {
    const sim = await startGuacdSimulator({ corpus });
    try {
      const client = await tcpClient(sim.port);
      client.send("6.select,6.nosuch;");
      await advanceUntil(() => sim.sessions[0]?.protocol === "nosuch", "select");
      await sim.close();
      await client.waitClosed(3000);
      expect(sim.reports[0]?.end).toEqual({
        reason: "unknown-protocol",
        closedBy: "abort",
        held: true,
      });
    } finally {
      await sim.close();
    }
  });
});

describe("cli", () => {
  it("prints where it listens and serves", async () => {
    const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "0"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      let out = "";
      child.stdout.setEncoding("utf8");
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on("data", (text: string) => {
          out += text;
          const match = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        child.once("exit", () => reject(new Error(`cli exited: ${out}`)));
      });
      const client = await tcpClient(port);
      client.send("6.select,12.$nonexistent;");
      await client.waitClosed(3000);
      expect(client.opcodes).toEqual(["error"]);
    } finally {
      child.kill("SIGTERM");
    }
  }, 20000);
});
