// The transport behaviour suite, written once and run by both runtimes: vitest registers it from
// `connect.test.ts` with a Node harness, `deno test` from `../../transport-deno/src/connect_test.ts`
// with a Deno harness. Runtime-free on purpose: no node:* apart from node:assert (Deno has it), no
// Deno.*, no Buffer. Every server listens on a loopback address, port 0, and is closed in `finally`.
import assert from "node:assert/strict";

/** What the suite needs from a transport's connection; both packages' `GuacdConnection` fit. */
export interface SuiteConnection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly encrypted: boolean;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  close(): Promise<void>;
  readonly closed: Promise<{ readonly code: string } | undefined>;
}

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
  /** The transport's TLS option value trusting `ca` (or the default roots) and verifying `name`. */
  tlsOptions(ca?: string, name?: string): unknown;
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
