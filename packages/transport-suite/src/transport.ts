// The transport suite: what every transport's connect() must do, whatever the runtime: bytes in
// order under back-pressure, typed errors for each way a connection fails, TLS, timeouts, abort,
// close, exit and the order localhost is dialled in. Registered by each runtime's harness.
import assert from "node:assert/strict";
import { GuacdConnectionError, LOCALHOST_ADDRESSES } from "@guacstream/codec/transport";
import { DEFAULT_HIGH_WATER_MARK, MAX_SOCKET_READ, type TransportHarness } from "./harness.ts";
import {
  Checksum,
  echo,
  KiB,
  pseudoRandomBytes,
  readAll,
  readSlowly,
  rejectsWithCode,
  settlesSoon,
  withServer,
  withTimeout,
} from "./helpers.ts";
import { runClientProcess } from "./processes.ts";
import {
  ipv6Loopback,
  listen,
  listenFlood,
  listenMutualTls,
  listenResetting,
  listenSilent,
  makeCertificate,
} from "./servers.ts";

/** Registers every shared behaviour test with `h.test`. */
export function defineTransportSuite(h: TransportHarness): void {
  h.test("echo round trip of 8 MiB in uneven chunks keeps every byte in order", async () => {
    await withServer(listen(echo), async (server) => {
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
    });
  });

  h.test("a BYOB reader gets the bytes in its own buffer", async () => {
    await withServer(listen(echo), async (server) => {
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
    });
  });

  h.test(
    "a default reader, then a BYOB reader with a small buffer, get the bytes in order",
    async () => {
      await withServer(listen(echo), async (server) => {
        // No read-ahead: each read reaches the socket while the reader waits, BYOB ones included.
        const connection = await h.connect({ port: server.port, highWaterMark: 0 });
        const writer = connection.writable.getWriter();
        const encoder = new TextEncoder();
        await writer.write(encoder.encode("5.hello;"));
        const first = connection.readable.getReader();
        let text = "";
        while (text.length < 8) {
          const { value } = await first.read();
          assert.ok(value !== undefined);
          text += new TextDecoder().decode(value);
        }
        first.releaseLock();
        await writer.write(encoder.encode("3.nop;4.sync,1.0;"));
        const byob = connection.readable.getReader({ mode: "byob" });
        while (text.length < 25) {
          const { value } = await byob.read(new Uint8Array(4));
          assert.ok(value !== undefined && value.byteLength <= 4);
          text += new TextDecoder().decode(value);
        }
        assert.equal(text, "5.hello;3.nop;4.sync,1.0;");
        await connection.close();
      });
    },
  );

  h.test("exposes the socket addresses", async () => {
    await withServer(listen(echo), async (server) => {
      const connection = await h.connect({ port: server.port });
      assert.equal(connection.remoteAddress, "127.0.0.1");
      assert.equal(connection.remotePort, server.port);
      assert.equal(connection.localAddress, "127.0.0.1");
      assert.ok(connection.localPort > 0);
      assert.equal(connection.encrypted, false);
      await connection.close();
    });
  });

  h.test(
    "a slow reader holds at most highWaterMark + one socket read, and the server stalls",
    async () => {
      await withServer(listenFlood(), async (server) => {
        const highWaterMark = DEFAULT_HIGH_WATER_MARK;
        const connection = await h.connect({ port: server.port, highWaterMark });
        const { consumed, maxHeld } = await readSlowly(
          connection,
          (consumed) => connection.bytesRead - consumed,
          { highWaterMark },
        );
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
      });
    },
  );

  h.test("a write resolves only once the socket has taken it", async () => {
    const gate: { open?: () => void } = {};
    const server = await listen((connection) => {
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
        if (!(await settlesSoon(write, h.sleepReal))) {
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
      const server = await listen(() => {}); // never reads
      try {
        const connection = await h.connect({ port: server.port });
        const writer = connection.writable.getWriter();
        let stuck: Promise<void> | undefined;
        for (let i = 0; i < 2048 && stuck === undefined; i++) {
          const write = writer.write(new Uint8Array(64 * KiB));
          if (!(await settlesSoon(write, h.sleepReal))) stuck = write;
        }
        assert.ok(stuck !== undefined, "writes never stalled against a non-reading peer");
        const settled = stuck.then(
          () => "resolved",
          (error: { code?: string }) => error.code ?? "other",
        );
        await connection.close();
        assert.equal(await withTimeout(settled, 2000, "the stuck write"), "CLOSED");
        assert.equal(await connection.closed, undefined);
      } finally {
        await server.close();
      }
    },
  );

  h.test("a refused port rejects with CONNECTION_REFUSED", async () => {
    const server = await listen(echo);
    const port = server.port;
    await server.close();
    const error = await rejectsWithCode(h.connect({ port }), "CONNECTION_REFUSED", {
      message: new RegExp(
        `^Cannot connect to guacd at 127\\.0\\.0\\.1:${port}: connection refused$`,
      ),
    });
    assert.equal((error as { port?: number }).port, port);
    assert.equal((error as { host?: string }).host, "127.0.0.1");
  });

  h.test("an unresolvable host rejects with DNS_FAILURE", async () => {
    await rejectsWithCode(h.connect({ host: "nonexistent.invalid", port: 4822 }), "DNS_FAILURE", {
      message: /^Cannot connect to guacd at nonexistent\.invalid:4822: /,
    });
  });

  // Nothing on loopback makes a TCP connect hang and tests stay on loopback, so the timeout is
  // exercised in the TLS phase: the server accepts TCP and never answers the ClientHello. One
  // deadline covers lookup, TCP connect and handshake.
  h.test(
    "the timeout covers the whole connect, TLS handshake included: CONNECT_TIMEOUT",
    async () => {
      await withServer(listenSilent(), async (server) => {
        const started = Date.now();
        await rejectsWithCode(
          h.connect({ port: server.port, tls: h.tlsOptions(), timeout: 200 }),
          "CONNECT_TIMEOUT",
          { message: /timed out after 200 ms$/ },
        );
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 150 && elapsed < 3000, `took ${elapsed} ms`);
      });
    },
  );

  h.test("an already aborted signal rejects with ABORTED without opening a socket", async () => {
    await withServer(listen(echo), async (server) => {
      const controller = new AbortController();
      const reason = new Error("user went away");
      controller.abort(reason);
      const error = await rejectsWithCode(
        h.connect({ port: server.port, signal: controller.signal }),
        "ABORTED",
      );
      assert.equal(error.cause, reason);
      // Connections are accepted in order: had the aborted connect opened one, it would count too.
      const next = await h.connect({ port: server.port });
      await server.whenAccepted(1);
      assert.equal(server.accepted(), 1);
      await next.close();
    });
  });

  h.test("aborting during the connect rejects with ABORTED promptly", async () => {
    await withServer(listenSilent(), async (server) => {
      const controller = new AbortController();
      // Once the server has the TCP connection, the client is in the TLS handshake.
      void server.whenAccepted(1).then(() => controller.abort());
      const started = Date.now();
      const error = await rejectsWithCode(
        h.connect({ port: server.port, tls: h.tlsOptions(), signal: controller.signal }),
        "ABORTED",
      );
      assert.ok(error.cause instanceof Error && error.cause.name === "AbortError");
      assert.ok(Date.now() - started < 2000);
      assert.equal(server.accepted(), 1);
    });
  });

  h.test("TLS with the CA given: verified, encrypted echo works", async () => {
    const certificate = await makeCertificate();
    await withServer(listen(echo, { tls: certificate }), async (server) => {
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
    });
  });

  h.test("TLS verifies the host name as given, not the address it resolved to", async () => {
    const certificate = await makeCertificate(true); // valid for DNS:localhost only
    await withServer(listen(echo, { tls: certificate }), async (server) => {
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
    });
  });

  h.test("mutual TLS: the server verifies the client's certificate", async () => {
    const certificate = await makeCertificate();
    // One self-signed certificate plays both parts; each side trusts exactly it.
    await withServer(listenMutualTls(certificate), async (server) => {
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
    });
  });

  h.test("TLS without the CA rejects with TLS_FAILURE", async () => {
    const certificate = await makeCertificate();
    await withServer(listen(echo, { tls: certificate }), async (server) => {
      await rejectsWithCode(h.connect({ port: server.port, tls: h.tlsOptions() }), "TLS_FAILURE", {
        message: /: TLS handshake failed: /,
      });
    });
  });

  h.test("TLS with a name the certificate does not carry rejects with TLS_FAILURE", async () => {
    const certificate = await makeCertificate();
    await withServer(listen(echo, { tls: certificate }), async (server) => {
      await rejectsWithCode(
        h.connect({ port: server.port, tls: h.tlsOptions(certificate.cert, "guacd.example") }),
        "TLS_FAILURE",
      );
    });
  });

  h.test("a peer reset errors the readable with RESET and closed resolves with it", async () => {
    await withServer(listenResetting(), async (server) => {
      const connection = await h.connect({ port: server.port });
      const reader = connection.readable.getReader();
      const writer = connection.writable.getWriter();
      await writer.write(new Uint8Array(1024));
      await rejectsWithCode(reader.read(), "RESET", {
        message: /^Cannot read from guacd at .*: connection reset/,
      });
      const closed = await connection.closed;
      assert.equal(closed?.code, "RESET");
      await rejectsWithCode(writer.write(new Uint8Array(1)), "RESET");
    });
  });

  h.test("a peer FIN ends the readable cleanly after all its bytes", async () => {
    const server = await listen((connection) => {
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
      await withServer(listen(echo), async (server) => {
        const connection = await h.connect({ port: server.port });
        let settled = 0;
        void connection.closed.then(() => settled++);
        const first = connection.close();
        const second = connection.close();
        await Promise.all([first, second, connection.close()]);
        assert.equal(await connection.closed, undefined);
        await connection.close();
        await connection.closed;
        assert.equal(settled, 1);
        const reader = connection.readable.getReader();
        assert.equal((await reader.read()).done, true);
        await rejectsWithCode(connection.writable.getWriter().write(new Uint8Array(1)), "CLOSED");
      });
    },
  );

  h.test("cancelling the readable closes the connection", async () => {
    await withServer(listen(echo), async (server) => {
      const connection = await h.connect({ port: server.port });
      await connection.readable.cancel();
      assert.equal(await connection.closed, undefined);
    });
  });

  h.test("a process exits by itself after close()", async () => {
    await withServer(listen(echo), async (server) => {
      const { exited, output } = await runClientProcess(h, server.port, 8000);
      assert.ok(exited, `the client process was still running after 8 s:\n${output}`);
      assert.match(output, /echoed 3\.nop;/);
      assert.match(output, /closed undefined/);
    });
  });

  let ipv6: boolean | undefined;
  h.test("localhost reaches a guacd bound to ::1 only", async () => {
    ipv6 ??= await ipv6Loopback();
    if (!ipv6) return; // No IPv6 loopback on this machine: nothing to check.
    await withServer(listen(echo, { host: "::1" }), async (server) => {
      const connection = await h.connect({ host: "localhost", port: server.port });
      assert.equal(connection.remoteAddress, "::1");
      await connection.close();
    });
  });

  h.test("localhost dials ::1 before 127.0.0.1 when both listen", async () => {
    ipv6 ??= await ipv6Loopback();
    if (!ipv6) return; // No IPv6 loopback on this machine: nothing to check.
    assert.deepEqual(LOCALHOST_ADDRESSES, ["::1", "127.0.0.1"]);
    await withServer(listen(echo), async (v4) => {
      // The same port on ::1; if another process holds it there, this machine cannot tell.
      const v6 = await listen(echo, { host: "::1", port: v4.port }).catch(() => undefined);
      if (v6 === undefined) return;
      try {
        const connection = await h.connect({ host: "localhost", port: v4.port });
        assert.equal(connection.remoteAddress, "::1");
        await connection.close();
        assert.equal(v6.accepted(), 1);
        assert.equal(v4.accepted(), 0);
      } finally {
        await v6.close();
      }
    });
  });

  h.test(
    "the package's GuacdConnectionError is the codec's, and every failure is one",
    async () => {
      assert.equal(h.GuacdConnectionError, GuacdConnectionError);
      const server = await listen(echo);
      await server.close();
      const error = await h.connect({ port: server.port }).catch((e: unknown) => e);
      assert.ok(error instanceof GuacdConnectionError);
    },
  );
}
