// The transport behaviour suite, written once and run by both runtimes: vitest registers it from
// `connect.test.ts` with a Node harness, `deno test` from `../../transport-deno/src/connect_test.ts`
// with a Deno harness. Runtime-free on purpose: no node:* apart from node:assert (Deno has it), no
// Deno.*, no Buffer (the codec and the simulator's types are runtime-free too). Every server
// listens on a loopback address, port 0, and is closed in `finally`.
import assert from "node:assert/strict";
import {
  encodeInstruction,
  type GuacamoleClient,
  type GuacamoleClientOptions,
  type HandshakeOptions,
  type Instruction,
} from "@guacstream/codec";
import type { GuacdConnection } from "@guacstream/codec/transport";
import type { GuacdSimulator, GuacdSimulatorOptions } from "@guacstream/guacd-sim";

/** What the suite needs from a transport's connection: the codec's, which both transports extend. */
export type SuiteConnection = GuacdConnection;

/** The connect options the suite uses; `tls` comes from {@linkcode Harness.tlsOptions}. */
export interface SuiteConnectOptions {
  host?: string;
  port?: number;
  timeout?: number;
  signal?: AbortSignal;
  highWaterMark?: number;
  tls?: unknown;
}

/** The server's end of one accepted connection. */
export interface ServerConnection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** A listening test server. */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far (TCP level). */
  accepted(): number;
  close(): Promise<void>;
}

/** A server that writes to every connection as fast as the socket lets it. */
export interface FloodServer extends TestServer {
  /** Bytes the server's socket has taken, and whether it ever had to wait for the peer. */
  stats(): { bytesWritten: number; sawBackpressure: boolean };
}

/** A TLS echo server that requires a client certificate. */
export interface MutualTlsServer extends TestServer {
  /** The CN of the last client certificate the server accepted. */
  peerSubject(): string | undefined;
}

/** The runtime-specific parts the suite is parameterised over. */
export interface Harness {
  /** Registers one test. */
  test(name: string, fn: () => Promise<void>, options?: { skip?: boolean }): void;
  /** The transport under test. */
  connect(options?: SuiteConnectOptions): Promise<SuiteConnection>;
  /** A plain or TLS server on `host` (default 127.0.0.1), port 0. */
  listen(
    onConnection: (connection: ServerConnection) => void,
    options?: { host?: string; tls?: { cert: string; key: string } },
  ): Promise<TestServer>;
  /** A server that accepts TCP and never sends a byte (a TLS handshake against it hangs). */
  listenSilent(): Promise<TestServer>;
  /** A server that resets (TCP RST) each connection as soon as it receives a byte. */
  listenResetting(): Promise<TestServer>;
  /** A server that floods every connection. */
  listenFlood(): Promise<FloodServer>;
  /**
   * A self-signed certificate (openssl) for CN=localhost with SAN DNS:localhost and, unless
   * `dnsOnly`, IP:127.0.0.1.
   */
  makeCertificate(dnsOnly?: boolean): Promise<{ cert: string; key: string }>;
  /**
   * The transport's TLS option value trusting `ca` (or the default roots), verifying `name`, and
   * presenting `client` as the client certificate.
   */
  tlsOptions(ca?: string, name?: string, client?: { cert: string; key: string }): unknown;
  /** A TLS echo server trusting exactly `certificate` on both sides (client certificate required). */
  listenMutualTls(certificate: { cert: string; key: string }): Promise<MutualTlsServer>;
  /** Whether `::1` can be bound here. */
  ipv6Loopback(): Promise<boolean>;
  /**
   * Runs a fresh process that connects to `port`, echoes one message, calls `close()` and does not
   * exit explicitly. Resolves with how it ended; the harness kills it after `limitMs`.
   */
  runClientProcess(port: number, limitMs: number): Promise<{ exited: boolean; output: string }>;
}

const KiB = 1024;
/** Default `highWaterMark` of both transports. */
export const DEFAULT_HIGH_WATER_MARK: number = 64 * KiB;
/** The largest chunk one socket read delivers (libuv's and the Deno transport's read size). */
export const MAX_SOCKET_READ: number = 64 * KiB;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Deterministic bytes (xorshift32), so a failure replays. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** FNV-1a over a stream of chunks. */
class Checksum {
  #hash = 0x811c9dc5;
  length = 0;
  update(bytes: Uint8Array): void {
    let h = this.#hash;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    this.#hash = h;
    this.length += bytes.length;
  }
  get value(): number {
    return this.#hash >>> 0;
  }
}

async function rejectsWithCode(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { code: string };
    assert.equal(e.name, "GuacdConnectionError", `unexpected error: ${e.stack ?? e}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message !== undefined) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a rejection with ${code}`);
}

async function readAll(readable: ReadableStream<Uint8Array>, sum: Checksum): Promise<void> {
  const reader = readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    sum.update(value);
  }
}

const echo = (connection: ServerConnection): void => {
  connection.readable.pipeTo(connection.writable).catch(() => {});
};

/** Registers every shared behaviour test with `h.test`. */
export function defineTransportSuite(h: Harness): void {
  h.test("echo round trip of 8 MiB in uneven chunks keeps every byte in order", async () => {
    const server = await h.listen(echo);
    try {
      const connection = await h.connect({ port: server.port });
      const payload = pseudoRandomBytes(8 * 1024 * KiB, 42);
      const sent = new Checksum();
      sent.update(payload);
      const received = new Checksum();
      const reading = readAll(connection.readable, received);
      const writer = connection.writable.getWriter();
      let offset = 0;
      for (let i = 0; offset < payload.length; i++) {
        const size = 1 + ((i * 7919) % (100 * KiB));
        // A copy, so the transport may take ownership of what it is given.
        await writer.write(payload.slice(offset, offset + size));
        offset += size;
      }
      assert.equal(connection.bytesWritten, payload.length);
      await writer.close(); // FIN: the echo server ends its side when its input ends.
      await reading;
      assert.equal(received.length, sent.length);
      assert.equal(received.value, sent.value);
      assert.equal(connection.bytesRead, payload.length);
      assert.equal(await connection.closed, undefined);
    } finally {
      await server.close();
    }
  });

  h.test("a BYOB reader gets the bytes in its own buffer", async () => {
    const server = await h.listen(echo);
    try {
      const connection = await h.connect({ port: server.port });
      const writer = connection.writable.getWriter();
      await writer.write(new TextEncoder().encode("5.hello;"));
      const reader = connection.readable.getReader({ mode: "byob" });
      let text = "";
      while (text.length < 8) {
        const { value } = await reader.read(new Uint8Array(64));
        assert.ok(value !== undefined);
        text += new TextDecoder().decode(value);
      }
      assert.equal(text, "5.hello;");
      await connection.close();
    } finally {
      await server.close();
    }
  });

  h.test("exposes the socket addresses", async () => {
    const server = await h.listen(echo);
    try {
      const connection = await h.connect({ port: server.port });
      assert.equal(connection.remoteAddress, "127.0.0.1");
      assert.equal(connection.remotePort, server.port);
      assert.equal(connection.localAddress, "127.0.0.1");
      assert.ok(connection.localPort > 0);
      assert.equal(connection.encrypted, false);
      await connection.close();
    } finally {
      await server.close();
    }
  });

  h.test(
    "a slow reader holds at most highWaterMark + one socket read, and the server stalls",
    async () => {
      const server = await h.listenFlood();
      try {
        const highWaterMark = DEFAULT_HIGH_WATER_MARK;
        const connection = await h.connect({ port: server.port, highWaterMark });
        const reader = connection.readable.getReader({ mode: "byob" });
        let consumed = 0;
        let maxHeld = 0;
        const until = Date.now() + 1000;
        while (Date.now() < until) {
          const { value } = await reader.read(new Uint8Array(16 * KiB));
          consumed += value?.byteLength ?? 0;
          await sleep(10);
          maxHeld = Math.max(maxHeld, connection.bytesRead - consumed);
        }
        // The bound this transport promises for its own queue: highWaterMark + one socket read.
        assert.ok(
          maxHeld <= highWaterMark + MAX_SOCKET_READ,
          `held ${maxHeld} > ${highWaterMark + MAX_SOCKET_READ}`,
        );
        assert.ok(maxHeld > 0, "the readable should read ahead");
        const stats = server.stats();
        assert.ok(stats.sawBackpressure, "the server's socket never had to wait");
        // Unthrottled, loopback moves GB/s; stalled, only the kernel buffers fill (a few MB).
        assert.ok(stats.bytesWritten < 64 * 1024 * KiB, `server wrote ${stats.bytesWritten} bytes`);
        assert.ok(stats.bytesWritten >= consumed);
        await connection.close();
      } finally {
        await server.close();
      }
    },
  );

  h.test("a write resolves only once the socket has taken it", async () => {
    const gate: { open?: () => void } = {};
    const server = await h.listen((connection) => {
      // Do not read until the test opens the gate: the client's writes must pile up in the kernel.
      gate.open = () => {
        connection.readable.pipeTo(new WritableStream()).catch(() => {});
      };
    });
    try {
      const connection = await h.connect({ port: server.port });
      const writer = connection.writable.getWriter();
      const chunk = new Uint8Array(64 * KiB);
      let resolvedBytes = 0;
      let pending: Promise<void> | undefined;
      for (let i = 0; i < 2048; i++) {
        const write = writer.write(chunk.slice());
        const outcome = await Promise.race([
          write.then(() => "done"),
          sleep(250).then(() => "stuck"),
        ]);
        if (outcome === "stuck") {
          pending = write;
          break;
        }
        resolvedBytes += chunk.length;
        assert.equal(connection.bytesWritten, resolvedBytes);
      }
      assert.ok(
        pending !== undefined,
        "128 MiB of writes never stalled against a non-reading peer",
      );
      assert.ok(resolvedBytes < 64 * 1024 * KiB, `${resolvedBytes} bytes were accepted`);
      assert.equal(connection.bytesWritten, resolvedBytes);
      gate.open?.();
      await pending;
      assert.equal(connection.bytesWritten, resolvedBytes + chunk.length);
      await connection.close();
    } finally {
      await server.close();
    }
  });

  h.test(
    "close() while a write is stuck settles that write instead of leaving it hanging",
    async () => {
      const server = await h.listen(() => {}); // never reads
      try {
        const connection = await h.connect({ port: server.port });
        const writer = connection.writable.getWriter();
        let stuck: Promise<void> | undefined;
        for (let i = 0; i < 2048 && stuck === undefined; i++) {
          const write = writer.write(new Uint8Array(64 * KiB));
          const outcome = await Promise.race([
            write.then(() => "done"),
            sleep(250).then(() => "stuck"),
          ]);
          if (outcome === "stuck") stuck = write;
        }
        assert.ok(stuck !== undefined, "writes never stalled against a non-reading peer");
        const settled = stuck.then(
          () => "resolved",
          (error: { code?: string }) => error.code ?? "other",
        );
        await connection.close();
        const outcome = await Promise.race([settled, sleep(2000).then(() => "hanging")]);
        assert.equal(outcome, "CLOSED");
        assert.equal(await connection.closed, undefined);
      } finally {
        await server.close();
      }
    },
  );

  h.test("a refused port rejects with CONNECTION_REFUSED", async () => {
    const server = await h.listen(echo);
    const port = server.port;
    await server.close();
    const error = await rejectsWithCode(
      h.connect({ port }),
      "CONNECTION_REFUSED",
      new RegExp(`^Cannot connect to guacd at 127\\.0\\.0\\.1:${port}: connection refused$`),
    );
    assert.equal((error as { port?: number }).port, port);
    assert.equal((error as { host?: string }).host, "127.0.0.1");
  });

  h.test("an unresolvable host rejects with DNS_FAILURE", async () => {
    await rejectsWithCode(
      h.connect({ host: "nonexistent.invalid", port: 4822 }),
      "DNS_FAILURE",
      /^Cannot connect to guacd at nonexistent\.invalid:4822: /,
    );
  });

  // Honest note: nothing on loopback makes a TCP connect hang (non-loopback addresses are off
  // limits here), so the timeout is exercised in the TLS phase: the server accepts TCP and never
  // answers the ClientHello. The same deadline covers lookup, TCP connect and handshake.
  h.test(
    "the timeout covers the whole connect, TLS handshake included: CONNECT_TIMEOUT",
    async () => {
      const server = await h.listenSilent();
      try {
        const started = Date.now();
        await rejectsWithCode(
          h.connect({ port: server.port, tls: h.tlsOptions(), timeout: 200 }),
          "CONNECT_TIMEOUT",
          /timed out after 200 ms$/,
        );
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 150 && elapsed < 3000, `took ${elapsed} ms`);
      } finally {
        await server.close();
      }
    },
  );

  h.test("an already aborted signal rejects with ABORTED without opening a socket", async () => {
    const server = await h.listen(echo);
    try {
      const controller = new AbortController();
      const reason = new Error("user went away");
      controller.abort(reason);
      const error = await rejectsWithCode(
        h.connect({ port: server.port, signal: controller.signal }),
        "ABORTED",
      );
      assert.equal(error.cause, reason);
      await sleep(50);
      assert.equal(server.accepted(), 0);
    } finally {
      await server.close();
    }
  });

  h.test("aborting during the connect rejects with ABORTED promptly", async () => {
    const server = await h.listenSilent();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const error = await rejectsWithCode(
        h.connect({ port: server.port, tls: h.tlsOptions(), signal: controller.signal }),
        "ABORTED",
      );
      assert.ok(error.cause instanceof Error && error.cause.name === "AbortError");
      assert.ok(Date.now() - started < 2000);
      assert.equal(server.accepted(), 1);
    } finally {
      await server.close();
    }
  });

  h.test("TLS with the CA given: verified, encrypted echo works", async () => {
    const certificate = await h.makeCertificate();
    const server = await h.listen(echo, { tls: certificate });
    try {
      for (const host of ["127.0.0.1", "localhost"]) {
        const connection = await h.connect({
          host,
          port: server.port,
          tls: h.tlsOptions(certificate.cert),
        });
        assert.equal(connection.encrypted, true);
        const writer = connection.writable.getWriter();
        await writer.write(new TextEncoder().encode("3.nop;"));
        const reader = connection.readable.getReader();
        const { value } = await reader.read();
        assert.equal(new TextDecoder().decode(value), "3.nop;");
        await connection.close();
        assert.equal(await connection.closed, undefined);
      }
    } finally {
      await server.close();
    }
  });

  h.test("TLS verifies the host name as given, not the address it resolved to", async () => {
    const certificate = await h.makeCertificate(true); // valid for DNS:localhost only
    const server = await h.listen(echo, { tls: certificate });
    try {
      const connection = await h.connect({
        host: "localhost",
        port: server.port,
        tls: h.tlsOptions(certificate.cert),
      });
      assert.equal(connection.remoteAddress, "127.0.0.1");
      await connection.close();
      await rejectsWithCode(
        h.connect({ host: "127.0.0.1", port: server.port, tls: h.tlsOptions(certificate.cert) }),
        "TLS_FAILURE",
      );
    } finally {
      await server.close();
    }
  });

  h.test("mutual TLS: the server verifies the client's certificate", async () => {
    const certificate = await h.makeCertificate();
    // One self-signed certificate plays both parts; each side trusts exactly it.
    const server = await h.listenMutualTls(certificate);
    try {
      const connection = await h.connect({
        port: server.port,
        tls: h.tlsOptions(certificate.cert, undefined, certificate),
      });
      const writer = connection.writable.getWriter();
      await writer.write(new TextEncoder().encode("3.nop;"));
      const { value } = await connection.readable.getReader().read();
      assert.equal(new TextDecoder().decode(value), "3.nop;");
      assert.equal(server.peerSubject(), "localhost");
      await connection.close();
      // Without a client certificate the server refuses the handshake (TLS 1.3 reports it on the
      // first read rather than in connect(), so accept either place).
      const outcome = await h
        .connect({ port: server.port, tls: h.tlsOptions(certificate.cert) })
        .then(
          async (bare) => {
            const result = await bare.readable
              .getReader()
              .read()
              .then(
                () => "read",
                (error: { code: string }) => error.code,
              );
            await bare.close();
            return result;
          },
          (error: { code: string }) => error.code,
        );
      assert.equal(outcome, "TLS_FAILURE");
    } finally {
      await server.close();
    }
  });

  h.test("TLS without the CA rejects with TLS_FAILURE", async () => {
    const certificate = await h.makeCertificate();
    const server = await h.listen(echo, { tls: certificate });
    try {
      await rejectsWithCode(
        h.connect({ port: server.port, tls: h.tlsOptions() }),
        "TLS_FAILURE",
        /: TLS handshake failed: /,
      );
    } finally {
      await server.close();
    }
  });

  h.test("TLS with a name the certificate does not carry rejects with TLS_FAILURE", async () => {
    const certificate = await h.makeCertificate();
    const server = await h.listen(echo, { tls: certificate });
    try {
      await rejectsWithCode(
        h.connect({ port: server.port, tls: h.tlsOptions(certificate.cert, "guacd.example") }),
        "TLS_FAILURE",
      );
    } finally {
      await server.close();
    }
  });

  h.test("a peer reset errors the readable with RESET and closed resolves with it", async () => {
    const server = await h.listenResetting();
    try {
      const connection = await h.connect({ port: server.port });
      const reader = connection.readable.getReader();
      const writer = connection.writable.getWriter();
      await writer.write(new Uint8Array(1024));
      await rejectsWithCode(
        reader.read(),
        "RESET",
        /^Cannot read from guacd at .*: connection reset/,
      );
      const closed = await connection.closed;
      assert.equal(closed?.code, "RESET");
      await rejectsWithCode(writer.write(new Uint8Array(1)), "RESET");
    } finally {
      await server.close();
    }
  });

  h.test("a peer FIN ends the readable cleanly after all its bytes", async () => {
    const server = await h.listen((connection) => {
      const writer = connection.writable.getWriter();
      writer
        .write(new TextEncoder().encode("10.disconnect;"))
        .then(() => writer.close())
        .catch(() => {});
    });
    try {
      const connection = await h.connect({ port: server.port });
      const sum = new Checksum();
      await readAll(connection.readable, sum);
      assert.equal(sum.length, 14);
      assert.equal(await connection.closed, undefined);
      await rejectsWithCode(connection.writable.getWriter().write(new Uint8Array(1)), "CLOSED");
    } finally {
      await server.close();
    }
  });

  h.test(
    "close() is idempotent, closed settles once with undefined, later writes reject",
    async () => {
      const server = await h.listen(echo);
      try {
        const connection = await h.connect({ port: server.port });
        let settled = 0;
        void connection.closed.then(() => settled++);
        const first = connection.close();
        const second = connection.close();
        await Promise.all([first, second, connection.close()]);
        assert.equal(await connection.closed, undefined);
        await connection.close();
        await sleep(10);
        assert.equal(settled, 1);
        const reader = connection.readable.getReader();
        assert.equal((await reader.read()).done, true);
        await rejectsWithCode(connection.writable.getWriter().write(new Uint8Array(1)), "CLOSED");
      } finally {
        await server.close();
      }
    },
  );

  h.test("cancelling the readable closes the connection", async () => {
    const server = await h.listen(echo);
    try {
      const connection = await h.connect({ port: server.port });
      await connection.readable.cancel();
      assert.equal(await connection.closed, undefined);
    } finally {
      await server.close();
    }
  });

  h.test("a process exits by itself after close()", async () => {
    const server = await h.listen(echo);
    try {
      const { exited, output } = await h.runClientProcess(server.port, 8000);
      assert.ok(exited, `the client process was still running after 8 s:\n${output}`);
      assert.match(output, /echoed 3\.nop;/);
      assert.match(output, /closed undefined/);
    } finally {
      await server.close();
    }
  });

  let ipv6: boolean | undefined;
  h.test("localhost reaches a guacd bound to ::1 only", async () => {
    ipv6 ??= await h.ipv6Loopback();
    if (!ipv6) return; // No IPv6 loopback on this machine: nothing to check.
    const server = await h.listen(echo, { host: "::1" });
    try {
      const connection = await h.connect({ host: "localhost", port: server.port });
      assert.equal(connection.remoteAddress, "::1");
      await connection.close();
    } finally {
      await server.close();
    }
  });
}

// --- connectGuacamole: the whole session, against the guacd simulator -------------------------

/** The client `connectGuacamole` returns, as the suite uses it (both transports' types fit). */
export interface SuiteGuacamoleClient extends GuacamoleClient {
  readonly connection: SuiteConnection;
}

/** The `connectGuacamole` options the suite uses. */
export type SuiteGuacamoleOptions = SuiteConnectOptions &
  Omit<HandshakeOptions, "timeout" | "signal"> &
  GuacamoleClientOptions & { handshakeTimeout?: number };

/** How to start a simulator: the core's options, and a certificate to serve TLS with. */
export interface SimulatorSetup extends Omit<GuacdSimulatorOptions, "corpus"> {
  tls?: { cert: string; key: string };
}

/** A simulator listening on loopback, port 0. */
export interface SuiteSimulator {
  readonly host: string;
  readonly port: number;
  readonly simulator: GuacdSimulator;
  close(): Promise<void>;
}

/** The runtime-specific parts of the connectGuacamole suite. */
export interface GuacamoleHarness
  extends Pick<Harness, "test" | "listen" | "listenSilent" | "makeCertificate" | "tlsOptions"> {
  /** The transport's `connectGuacamole`. */
  connectGuacamole(options: SuiteGuacamoleOptions): Promise<SuiteGuacamoleClient>;
  /** The guacd simulator's core served on this runtime's sockets (plain or TLS). */
  startSimulator(setup?: SimulatorSetup): Promise<SuiteSimulator>;
  /** The process's resident set and the memory held by ArrayBuffers outside the JS heap. */
  memory(): { rss: number; buffers: number };
  /**
   * Runs the package's `examples/hello.ts` in a fresh process with `env` added; it must exit by
   * itself. The harness kills it after `limitMs`.
   */
  runExample(
    env: Record<string, string>,
    limitMs: number,
  ): Promise<{ exited: boolean; code: number | null; output: string }>;
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
}

/** Instructions guacd 1.6 sent after `ready` in `vnc-desktop.s2c.guac`, `disconnect` included. */
export const VNC_DESKTOP_INSTRUCTIONS = 3457;
const MiB = 1024 * KiB;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function rejectsWith(
  promise: Promise<unknown>,
  name: string,
  code: string | number,
): Promise<Error & { code?: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { code?: string; status?: number };
    assert.equal(e.name, name, `unexpected error: ${e.stack ?? e}`);
    assert.equal(typeof code === "number" ? e.status : e.code, code, e.message);
    return e;
  }
  assert.fail(`expected a ${name} (${code})`);
}

/** Reads every instruction to the end of the session. */
async function readSession(
  client: GuacamoleClient,
): Promise<{ count: number; last: Instruction | undefined }> {
  let count = 0;
  let last: Instruction | undefined;
  for (;;) {
    const next = await client.readInstruction();
    if (next === undefined) return { count, last };
    count++;
    last = next;
  }
}

/** The simulator's session is over: its socket is closed, by `closedBy`. */
async function assertSocketClosed(sim: SuiteSimulator, closedBy: string): Promise<void> {
  const [report] = await withTimeout(sim.simulator.waitForReports(1), 5000, "the session's end");
  assert.equal(report?.end?.closedBy, closedBy, JSON.stringify(report?.end));
}

const vnc = { protocol: "vnc", parameters: { hostname: "desktop" } } as const;

/** Registers the connectGuacamole tests with `h.test`. */
export function defineGuacamoleSuite(h: GuacamoleHarness): void {
  h.test("a whole VNC session (vnc-desktop) decodes to its last instruction", async () => {
    const sim = await h.startSimulator();
    try {
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
    } finally {
      await sim.close();
    }
  });

  h.test("a whole SSH session (ssh-text) decodes to its last instruction", async () => {
    const sim = await h.startSimulator();
    try {
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
    } finally {
      await sim.close();
    }
  });

  h.test(
    "a slow consumer (1 instruction / 10 ms) holds guacd back; memory stays bounded",
    async () => {
      // The simulator loops vnc-desktop as fast as its socket lets it: unthrottled, the whole
      // 13.4 MB recording goes through in about 0.2 s here (the whole-session test above).
      const sim = await h.startSimulator({
        resolveSession: () => ({ recording: "vnc-desktop", end: "loop" }),
      });
      try {
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
          await sleep(10);
        };
        for (let i = 0; i < 20; i++) await read(); // warm up
        const before = h.memory();
        let maxHeld = 0;
        let maxRss = before.rss;
        let maxBuffers = before.buffers;
        let reads = 0;
        const until = Date.now() + 3000;
        while (Date.now() < until) {
          await read();
          reads++;
          // Everything read from the socket that the application has not had yet (the
          // handshake's few hundred bytes included).
          maxHeld = Math.max(maxHeld, client.connection.bytesRead - consumed);
          const now = h.memory();
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
        assert.ok(sent < 32 * MiB, `the simulator sent ${sent} bytes in 3 s`);
        assert.ok(maxBuffers - before.buffers < 16 * MiB, JSON.stringify(numbers));
        assert.ok(maxRss - before.rss < 64 * MiB, JSON.stringify(numbers));
        await client.close();
      } finally {
        await sim.close();
      }
    },
  );

  h.test("200 concurrent sessions against one simulator each read their whole replay", async () => {
    const sim = await h.startSimulator({
      resolveSession: () => ({ recording: "native/vnc-native", end: "disconnect" }),
    });
    try {
      const sessions = 200;
      const started = Date.now();
      const before = h.memory();
      let peakRss = before.rss;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, h.memory().rss);
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
    } finally {
      await sim.close();
    }
  });

  h.test("TLS end to end with a test certificate", async () => {
    const tls = await h.makeCertificate();
    const sim = await h.startSimulator({
      tls,
      resolveSession: () => ({ recording: "native/vnc-native", end: "disconnect" }),
    });
    try {
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
    } finally {
      await sim.close();
    }
  });

  h.test("client.close() sends disconnect and closes the socket", async () => {
    const sim = await h.startSimulator({
      resolveSession: () => ({ recording: "vnc-desktop", end: "hold" }),
    });
    try {
      const client = await h.connectGuacamole({ port: sim.port, ...vnc });
      assert.equal((await client.readInstruction())?.opcode !== undefined, true);
      await client.close();
      assert.equal(await withTimeout(client.connection.closed, 100, "socket close"), undefined);
      assert.equal((await client.closed).initiator, "client");
      const [report] = await withTimeout(sim.simulator.waitForReports(1), 5000, "session end");
      assert.equal(report?.end?.reason, "client-disconnect", JSON.stringify(report?.end));
    } finally {
      await sim.close();
    }
  });

  h.test("detach() hands the socket over: the session ending does not close it", async () => {
    const sim = await h.startSimulator({
      resolveSession: () => ({ recording: "native/vnc-native", end: "hold" }),
    });
    try {
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
      // Still open after the client's end: the caller owns it now.
      const outcome = await Promise.race([
        client.connection.closed.then(() => "closed"),
        sleep(100).then(() => "open"),
      ]);
      assert.equal(outcome, "open");
      reader.releaseLock();
      await client.connection.close();
    } finally {
      await sim.close();
    }
  });

  h.test("guacd's error after ready ends the session with a GuacamoleStatusError", async () => {
    const sim = await h.startSimulator();
    try {
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
    } finally {
      await sim.close();
    }
  });

  h.test(
    "guacd closing mid-instruction surfaces TRUNCATED with the bytes lost, through instructions",
    async () => {
      // A raw guacd: a valid handshake, one whole instruction, then half of the next, then FIN.
      const partial = "4.size,1.0,4.12";
      const server = await h.listen((connection) => {
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
    },
  );

  h.test(
    "errors: refused, DNS, timeout, TLS and abort reject with GuacdConnectionError",
    async () => {
      const sim = await h.startSimulator();
      const port = sim.port;
      await sim.close();
      await rejectsWith(
        h.connectGuacamole({ port, ...vnc }),
        "GuacdConnectionError",
        "CONNECTION_REFUSED",
      );
      await rejectsWith(
        h.connectGuacamole({ host: "nonexistent.invalid", ...vnc }),
        "GuacdConnectionError",
        "DNS_FAILURE",
      );
      const silent = await h.listenSilent();
      try {
        await rejectsWith(
          h.connectGuacamole({ port: silent.port, tls: h.tlsOptions(), timeout: 200, ...vnc }),
          "GuacdConnectionError",
          "CONNECT_TIMEOUT",
        );
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        await rejectsWith(
          h.connectGuacamole({
            port: silent.port,
            tls: h.tlsOptions(),
            signal: controller.signal,
            ...vnc,
          }),
          "GuacdConnectionError",
          "ABORTED",
        );
      } finally {
        await silent.close();
      }
      // A certificate for the name "localhost" only, reached as 127.0.0.1: a name mismatch.
      const tls = await h.makeCertificate(true);
      const tlsSim = await h.startSimulator({ tls });
      try {
        await rejectsWith(
          h.connectGuacamole({ port: tlsSim.port, tls: h.tlsOptions(tls.cert), ...vnc }),
          "GuacdConnectionError",
          "TLS_FAILURE",
        );
      } finally {
        await tlsSim.close();
      }
    },
  );

  h.test("handshake errors are rethrown as is and the socket is closed", async () => {
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
      const sim = await h.startSimulator();
      try {
        const controller = new AbortController();
        if (c.abortAfter !== undefined) setTimeout(() => controller.abort(), c.abortAfter);
        const options = {
          port: sim.port,
          ...c.options,
          ...(c.abortAfter === undefined ? {} : { signal: controller.signal }),
        };
        const error = await rejectsWith(h.connectGuacamole(options), c.name, c.code).catch(
          (e: Error) => {
            throw new Error(`${c.what}: ${e.message}`);
          },
        );
        assert.ok(error.message.length > 0);
        await assertSocketClosed(sim, c.closedBy);
      } finally {
        await sim.close();
      }
    }
  });

  h.test("guacd closing during the handshake rejects with CONNECTION_CLOSED", async () => {
    const server = await h.listen((connection) => {
      const reader = connection.readable.getReader();
      void reader.read().then(() => connection.writable.close().catch(() => {}));
    });
    try {
      await rejectsWith(
        h.connectGuacamole({ port: server.port, ...vnc }),
        "GuacamoleClientError",
        "CONNECTION_CLOSED",
      );
    } finally {
      await server.close();
    }
  });

  h.test(
    "examples/hello.ts runs against the simulator and its process exits by itself",
    async () => {
      const sim = await h.startSimulator();
      try {
        const { exited, code, output } = await h.runExample(
          { GUACD_HOST: sim.host, GUACD_PORT: String(sim.port) },
          30_000,
        );
        assert.ok(exited, `the example was still running after 30 s:\n${output}`);
        assert.equal(code, 0, output);
        assert.match(output, new RegExp(`${VNC_DESKTOP_INSTRUCTIONS} instructions`));
        assert.match(output, /ended by guacd/);
      } finally {
        await sim.close();
      }
    },
  );
}

/**
 * Registers the live-guacd tests: they run only when `GUACD_HOST` is set (`GUACD_PORT`, default
 * 4822; `GUACD_PROTOCOL`, default vnc; `GUACD_PARAMS`, JSON connection parameters).
 */
export function defineLiveGuacdSuite(h: GuacamoleHarness): void {
  const host = h.env("GUACD_HOST");
  h.test(
    "live guacd: handshake, read until the first sync, echo it, close",
    async () => {
      const client = await h.connectGuacamole({
        host: host ?? "",
        port: Number(h.env("GUACD_PORT") ?? 4822),
        protocol: h.env("GUACD_PROTOCOL") ?? "vnc",
        parameters: JSON.parse(h.env("GUACD_PARAMS") ?? "{}") as Record<string, string>,
      });
      try {
        assert.match(client.id ?? "", /^\$/);
        let next = await client.readInstruction();
        while (next !== undefined && next.opcode !== "sync") next = await client.readInstruction();
        assert.equal(next?.opcode, "sync", "the session ended before the first sync");
        // The client echoes each sync as it is read: the echo goes out in the next microtasks.
        const written = client.connection.bytesWritten;
        const echo = `4.sync,${next.args[0]!.length}.${next.args[0]};`;
        for (let i = 0; i < 50 && client.connection.bytesWritten < written + echo.length; i++) {
          await sleep(10);
        }
        assert.ok(client.connection.bytesWritten >= written + echo.length, "no echo was sent");
      } finally {
        await client.close();
      }
      assert.equal(await withTimeout(client.connection.closed, 2000, "socket close"), undefined);
    },
    { skip: host === undefined || host === "" },
  );
}
