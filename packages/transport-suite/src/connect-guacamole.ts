// The connectGuacamole suite: whole sessions through each transport against the guacd simulator
// (which replays real guacd recordings): handshakes, reads to the last instruction, faults, TLS,
// memory and the package's example program.
import assert from "node:assert/strict";
import process from "node:process";
import { encodeInstruction } from "@guacstream/codec";
import {
  MAX_SOCKET_READ,
  type SuiteGuacamoleOptions,
  type TransportHarness,
  VNC_DESKTOP_INSTRUCTIONS,
} from "./harness.ts";
import {
  assertSocketClosed,
  KiB,
  MiB,
  readSession,
  rejectsWithCode,
  untilTurns,
  vnc,
  withServer,
  withTimeout,
} from "./helpers.ts";
import { runExample } from "./processes.ts";
import { listen, listenSilent, makeCertificate, startSimulator } from "./servers.ts";

/** The process's resident set and the memory held outside the JS heap (ArrayBuffers included). */
function memory(): { rss: number; buffers: number } {
  const { rss, external } = process.memoryUsage();
  return { rss, buffers: external };
}

/** Registers the connectGuacamole tests with `h.test`. */
export function defineGuacamoleSuite(h: TransportHarness): void {
  // The session tests read whole recordings, one of them in 200 sessions at once: a longer limit.
  const test = (name: string, fn: () => Promise<void>): void =>
    h.test(name, fn, { timeout: 60_000 });
  test("a whole VNC session (vnc-desktop) decodes to its last instruction", async () => {
    await withServer(startSimulator(), async (sim) => {
      const client = await h.connectGuacamole({ port: sim.port, ...vnc });
      assert.match(client.id ?? "", /^\$/);
      const { count, last } = await readSession(client);
      assert.equal(count, VNC_DESKTOP_INSTRUCTIONS);
      assert.equal(last?.opcode, "disconnect");
      const info = await client.closed;
      assert.equal(info.initiator, "guacd");
      assert.equal(info.error, undefined);
      await client.close();
      // The session's end closed the socket too.
      assert.equal(await withTimeout(client.connection.closed, 2000, "socket close"), undefined);
      const [report] = await sim.simulator.waitForReports(1);
      assert.equal(report?.end?.reason, "replay-complete");
      assert.equal(report?.output.replayed, VNC_DESKTOP_INSTRUCTIONS);
      assert.ok((report?.input.syncs ?? 0) > 0, "no sync was echoed");
    });
  });

  test("a whole SSH session (ssh-text) decodes to its last instruction", async () => {
    await withServer(startSimulator(), async (sim) => {
      const client = await h.connectGuacamole({
        port: sim.port,
        protocol: "ssh",
        parameters: { hostname: "server", username: "user", password: "secret" },
      });
      const { count, last } = await readSession(client);
      assert.equal(last?.opcode, "disconnect");
      const [report] = await sim.simulator.waitForReports(1);
      assert.equal(report?.plan?.recording, "ssh-text");
      assert.equal(count, report?.output.replayed); // the recorded disconnect included
      assert.ok(count > 1000, `only ${count} instructions`);
      assert.equal((await client.closed).initiator, "guacd");
    });
  });

  test("a slow consumer holds guacd back; memory stays bounded", async () => {
    // The simulator loops vnc-desktop as fast as its socket lets it: only the reader holds it back.
    await withServer(
      startSimulator({
        resolveSession: () => ({ recording: "vnc-desktop", end: "loop" }),
      }),
      async (sim) => {
        const highWaterMark = 64 * KiB;
        const readAhead = 16;
        const maxInstructionBytes = 32 * KiB; // the codec's default limit
        // What this process may hold between the socket and the reader: the transport's queue
        // (highWaterMark + one read), one more read in the runtime's socket, one chunk in the
        // decoder's pipe plus a partial instruction, and `readAhead` decoded instructions.
        const bound = highWaterMark + 3 * MAX_SOCKET_READ + maxInstructionBytes * (readAhead + 1);
        const client = await h.connectGuacamole({
          port: sim.port,
          ...vnc,
          highWaterMark,
          readAhead,
        });
        const encoder = new TextEncoder();
        let consumed = 0;
        const read = async (): Promise<void> => {
          const next = await client.readInstruction();
          assert.ok(next !== undefined, "the session ended early");
          consumed += encoder.encode(encodeInstruction(next)).length;
          // Slower than the socket: let it refill the queue before the next read.
          await untilTurns(() => client.connection.bytesRead - consumed >= highWaterMark, 50);
        };
        for (let i = 0; i < 20; i++) await read(); // warm up
        const before = memory();
        let maxHeld = 0;
        let maxRss = before.rss;
        let maxBuffers = before.buffers;
        const reads = 3000;
        for (let i = 0; i < reads; i++) {
          await read();
          // Everything read from the socket that the application has not had yet (the
          // handshake's few hundred bytes included).
          maxHeld = Math.max(maxHeld, client.connection.bytesRead - consumed);
          const now = memory();
          maxRss = Math.max(maxRss, now.rss);
          maxBuffers = Math.max(maxBuffers, now.buffers);
        }
        const sent = sim.simulator.sessions[0]?.output.bytes ?? Number.NaN;
        const numbers = {
          reads,
          consumedKiB: Math.round(consumed / KiB),
          maxHeldKiB: Math.round(maxHeld / KiB),
          boundKiB: Math.round(bound / KiB),
          simulatorSentKiB: Math.round(sent / KiB),
          rssGrowthMiB: +((maxRss - before.rss) / MiB).toFixed(1),
          buffersGrowthMiB: +((maxBuffers - before.buffers) / MiB).toFixed(1),
        };
        console.log(`slow consumer: ${JSON.stringify(numbers)}`);
        assert.ok(maxHeld <= bound, `held ${maxHeld} > ${bound}`);
        // Held back: what it sent is what was read plus the kernel's socket buffers.
        assert.ok(sent < 32 * MiB, `the simulator sent ${sent} bytes for ${reads} reads`);
        assert.ok(maxBuffers - before.buffers < 16 * MiB, JSON.stringify(numbers));
        assert.ok(maxRss - before.rss < 64 * MiB, JSON.stringify(numbers));
        await client.close();
      },
    );
  });

  test("200 concurrent sessions against one simulator each read their whole replay", async () => {
    await withServer(
      startSimulator({
        resolveSession: () => ({ recording: "native/vnc-native", end: "disconnect" }),
      }),
      async (sim) => {
        const sessions = 200;
        const started = Date.now();
        const before = memory();
        let peakRss = before.rss;
        const sampler = setInterval(() => {
          peakRss = Math.max(peakRss, memory().rss);
        }, 20);
        const counts = await Promise.all(
          Array.from({ length: sessions }, async () => {
            const client = await h.connectGuacamole({ port: sim.port, ...vnc });
            const { count, last } = await readSession(client);
            assert.equal(last?.opcode, "disconnect");
            await client.close();
            return count;
          }),
        ).finally(() => clearInterval(sampler));
        const elapsed = Date.now() - started;
        const reports = await sim.simulator.waitForReports(sessions);
        assert.equal(new Set(counts).size, 1, `counts differ: ${[...new Set(counts)]}`);
        assert.equal(counts[0], (reports[0]?.output.replayed ?? 0) + 1);
        const bytes = reports.reduce((sum, report) => sum + report.output.bytes, 0);
        console.log(
          `200 sessions: ${elapsed} ms, ${counts[0]} instructions each, ${(bytes / MiB).toFixed(1)} MiB in all, peak RSS +${((peakRss - before.rss) / MiB).toFixed(1)} MiB (${(peakRss / MiB).toFixed(0)} MiB)`,
        );
        assert.ok(
          reports.every((report) => report.end?.reason === "replay-complete"),
          "a session did not complete",
        );
      },
    );
  });

  test("TLS end to end with a test certificate", async () => {
    const tls = await makeCertificate();
    await withServer(
      startSimulator({
        tls,
        resolveSession: () => ({ recording: "native/vnc-native", end: "disconnect" }),
      }),
      async (sim) => {
        const client = await h.connectGuacamole({
          port: sim.port,
          tls: h.tlsOptions(tls.cert),
          ...vnc,
        });
        assert.equal(client.connection.encrypted, true);
        const { count, last } = await readSession(client);
        assert.equal(last?.opcode, "disconnect");
        const [report] = await sim.simulator.waitForReports(1);
        assert.equal(count, (report?.output.replayed ?? 0) + 1);
        await client.close();
      },
    );
  });

  test("client.close() sends disconnect and closes the socket", async () => {
    await withServer(
      startSimulator({
        resolveSession: () => ({ recording: "vnc-desktop", end: "hold" }),
      }),
      async (sim) => {
        const client = await h.connectGuacamole({ port: sim.port, ...vnc });
        assert.equal((await client.readInstruction())?.opcode !== undefined, true);
        await client.close();
        assert.equal(await withTimeout(client.connection.closed, 100, "socket close"), undefined);
        assert.equal((await client.closed).initiator, "client");
        const [report] = await withTimeout(sim.simulator.waitForReports(1), 5000, "session end");
        assert.equal(report?.end?.reason, "client-disconnect", JSON.stringify(report?.end));
      },
    );
  });

  test("detach() hands the socket over: the session ending does not close it", async () => {
    await withServer(
      startSimulator({
        resolveSession: () => ({ recording: "native/vnc-native", end: "hold" }),
      }),
      async (sim) => {
        const client = await h.connectGuacamole({ port: sim.port, ...vnc });
        const raw = client.detach();
        assert.equal((await client.closed).initiator, "client");
        const reader = raw.readable.getReader();
        let text = "";
        while (!text.includes(";")) {
          const { value, done } = await reader.read();
          assert.ok(!done, "the detached socket ended");
          text += new TextDecoder().decode(value);
        }
        assert.match(text, /^\d+\.[a-z]+[,;]/);
        // Still open after the client's end: the caller owns it now, and guacd's bytes still come.
        let closed = false;
        void client.connection.closed.then(() => {
          closed = true;
        });
        const more = await reader.read();
        assert.ok(!more.done, "the detached socket ended");
        assert.equal(closed, false);
        reader.releaseLock();
        await client.connection.close();
      },
    );
  });

  test("guacd's error after ready ends the session with a GuacamoleStatusError", async () => {
    await withServer(startSimulator(), async (sim) => {
      const client = await h.connectGuacamole({
        port: sim.port,
        protocol: "vnc",
        parameters: { hostname: "nowhere.invalid" },
      });
      const opcodes: string[] = [];
      for (let next = await client.readInstruction(); next; next = await client.readInstruction())
        opcodes.push(next.opcode);
      assert.deepEqual(opcodes.slice(-2), ["error", "disconnect"]);
      const { error } = await client.closed;
      assert.equal(error?.name, "GuacamoleStatusError");
      assert.equal((error as { status?: number }).status, 0x207);
      assert.equal(await withTimeout(client.connection.closed, 2000, "socket close"), undefined);
    });
  });

  test("guacd closing mid-instruction surfaces TRUNCATED with the bytes lost, through instructions", async () => {
    // A raw guacd: a valid handshake, one whole instruction, then half of the next, then FIN.
    const partial = "4.size,1.0,4.12";
    const server = await listen((connection) => {
      void (async () => {
        const writer = connection.writable.getWriter();
        const send = (text: string) => writer.write(new TextEncoder().encode(text));
        const decoder = new TextDecoder();
        let input = "";
        const reader = connection.readable.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          input += decoder.decode(value, { stream: true });
          if (input.includes("6.select,")) {
            input = input.slice(input.indexOf("6.select,") + 9);
            await send("4.args,13.VERSION_1_5_0,8.hostname;");
          }
          if (input.includes("7.connect,")) {
            await send(`5.ready,5.$half;4.sync,2.10;${partial}`);
            await writer.close();
            return;
          }
        }
      })().catch(() => {});
    });
    try {
      const client = await h.connectGuacamole({ port: server.port, ...vnc });
      assert.deepEqual(await client.readInstruction(), { opcode: "sync", args: ["10"] });
      let failure: (Error & { code?: string; offset?: number }) | undefined;
      try {
        await client.readInstruction();
      } catch (error) {
        failure = error as Error & { code?: string; offset?: number };
      }
      assert.equal(failure?.name, "GuacamoleProtocolError");
      assert.equal(failure?.code, "TRUNCATED");
      const handshake = "4.args,13.VERSION_1_5_0,8.hostname;5.ready,5.$half;4.sync,2.10;";
      assert.equal(failure?.offset, handshake.length);
      assert.match(
        failure?.message ?? "",
        new RegExp(`${partial.length} bytes of it, from offset ${handshake.length}, were lost`),
      );
      const info = await client.closed;
      assert.equal(info.initiator, "error");
      assert.equal(info.error, failure);
      assert.equal(await withTimeout(client.connection.closed, 2000, "socket close"), undefined);
    } finally {
      await server.close();
    }
  });

  test("errors: refused, DNS, timeout, TLS and abort reject with GuacdConnectionError", async () => {
    const sim = await startSimulator();
    const port = sim.port;
    await sim.close();
    await rejectsWithCode(h.connectGuacamole({ port, ...vnc }), "CONNECTION_REFUSED", {
      name: "GuacdConnectionError",
    });
    await rejectsWithCode(
      h.connectGuacamole({ host: "nonexistent.invalid", ...vnc }),
      "DNS_FAILURE",
      { name: "GuacdConnectionError" },
    );
    await withServer(listenSilent(), async (silent) => {
      await rejectsWithCode(
        h.connectGuacamole({ port: silent.port, tls: h.tlsOptions(), timeout: 200, ...vnc }),
        "CONNECT_TIMEOUT",
        { name: "GuacdConnectionError" },
      );
      const controller = new AbortController();
      // Aborted in the TLS handshake: once the server has this second TCP connection.
      void silent.whenAccepted(2).then(() => controller.abort());
      await rejectsWithCode(
        h.connectGuacamole({
          port: silent.port,
          tls: h.tlsOptions(),
          signal: controller.signal,
          ...vnc,
        }),
        "ABORTED",
        { name: "GuacdConnectionError" },
      );
    });
    // A certificate for the name "localhost" only, reached as 127.0.0.1: a name mismatch.
    const tls = await makeCertificate(true);
    await withServer(startSimulator({ tls }), async (tlsSim) => {
      await rejectsWithCode(
        h.connectGuacamole({ port: tlsSim.port, tls: h.tlsOptions(tls.cert), ...vnc }),
        "TLS_FAILURE",
        { name: "GuacdConnectionError" },
      );
    });
  });

  test("handshake errors are rethrown as is and the socket is closed", async () => {
    const cases: {
      what: string;
      options: Omit<SuiteGuacamoleOptions, "port">;
      name: string;
      code: string | number;
      /** Who closes the socket: guacd after its error, else the client (guacd holds it open). */
      closedBy: "server" | "client";
      abortAfter?: number;
    }[] = [
      {
        what: "joining a connection that does not exist",
        options: { join: "$nonexistent" },
        name: "GuacamoleStatusError",
        code: 0x204,
        closedBy: "server",
      },
      {
        what: "a parameter guacd does not list",
        options: { protocol: "vnc", parameters: { "no-such-parameter": "1" } },
        name: "GuacamoleClientError",
        code: "UNKNOWN_PARAMETER",
        closedBy: "client",
      },
      {
        what: "an unknown protocol (guacd goes silent)",
        options: { protocol: "nosuch", handshakeTimeout: 200 },
        name: "GuacamoleClientError",
        code: "HANDSHAKE_TIMEOUT",
        closedBy: "client",
      },
      {
        what: "an abort during the handshake",
        options: { protocol: "nosuch" },
        name: "GuacamoleClientError",
        code: "ABORTED",
        closedBy: "client",
        abortAfter: 100,
      },
    ];
    for (const c of cases) {
      await withServer(startSimulator(), async (sim) => {
        const controller = new AbortController();
        if (c.abortAfter !== undefined) setTimeout(() => controller.abort(), c.abortAfter);
        const options = {
          port: sim.port,
          ...c.options,
          ...(c.abortAfter === undefined ? {} : { signal: controller.signal }),
        };
        const error = await rejectsWithCode(h.connectGuacamole(options), c.code, {
          name: c.name,
        }).catch((e: Error) => {
          throw new Error(`${c.what}: ${e.message}`);
        });
        assert.ok(error.message.length > 0);
        await assertSocketClosed(sim, c.closedBy);
      });
    }
  });

  test("guacd closing during the handshake rejects with CONNECTION_CLOSED", async () => {
    const server = await listen((connection) => {
      const reader = connection.readable.getReader();
      void reader.read().then(() => connection.writable.close().catch(() => {}));
    });
    try {
      await rejectsWithCode(
        h.connectGuacamole({ port: server.port, ...vnc }),
        "CONNECTION_CLOSED",
        { name: "GuacamoleClientError" },
      );
    } finally {
      await server.close();
    }
  });

  test("examples/hello.ts runs against the simulator and its process exits by itself", async () => {
    await withServer(startSimulator(), async (sim) => {
      const { exited, code, output } = await runExample(
        h,
        { GUACD_HOST: sim.host, GUACD_PORT: String(sim.port) },
        30_000,
      );
      assert.ok(exited, `the example was still running after 30 s:\n${output}`);
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`${VNC_DESKTOP_INSTRUCTIONS} instructions`));
      assert.match(output, /ended by guacd/);
    });
  });
}
