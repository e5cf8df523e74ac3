// Runs the shared transport behaviour suite against Deno.listen / Deno.listenTls servers.
// cd /work/main && npx deno test --config packages/transport-deno/deno.json \
//   --allow-net=127.0.0.1,[::1],localhost,nonexistent.invalid --allow-read --allow-write \
//   --allow-run=openssl,<deno> packages/transport-deno/
// (the transport itself needs only --allow-net; the rest is openssl, temp files and a child deno).
import assert from "node:assert/strict";
import { type AddressInfo, createServer as createNodeServer } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import {
  defineTransportSuite,
  type FloodServer,
  type Harness,
  type ServerConnection,
  type TestServer,
} from "../../transport-node/src/_behaviour.ts";
import { type ConnectOptions, connect, GuacdConnectionError } from "./index.ts";

function serverConnection(conn: Deno.Conn): ServerConnection {
  return {
    get readable() {
      return conn.readable;
    },
    get writable() {
      return conn.writable;
    },
  };
}

function closeQuietly(conn: Deno.Conn | Deno.Listener): void {
  try {
    conn.close();
  } catch {
    // Already closed by the test or by its streams.
  }
}

function serve(
  listener: Deno.Listener,
  host: string,
  onConnection: (conn: Deno.Conn) => void,
): TestServer {
  const conns = new Set<Deno.Conn>();
  let accepted = 0;
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        accepted++;
        conns.add(conn);
        onConnection(conn);
      }
    } catch {
      // The listener was closed.
    }
  })();
  return {
    host,
    port: (listener.addr as Deno.NetAddr).port,
    accepted: () => accepted,
    async close() {
      closeQuietly(listener);
      await accepting;
      for (const conn of conns) closeQuietly(conn);
      // Let streams that were reading from the closed connections observe it.
      await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}

const certificates = new Map<boolean, Promise<{ cert: string; key: string }>>();

const harness: Harness = {
  test: (name, fn, options) => Deno.test({ name, fn, ignore: options?.skip ?? false }),
  connect: (options) => connect(options as ConnectOptions),
  listen(onConnection, options) {
    const hostname = options?.host ?? "127.0.0.1";
    const listener =
      options?.tls === undefined
        ? Deno.listen({ hostname, port: 0 })
        : Deno.listenTls({ hostname, port: 0, cert: options.tls.cert, key: options.tls.key });
    return Promise.resolve(
      serve(listener, hostname, (conn) => onConnection(serverConnection(conn))),
    );
  },
  // Deno.Conn has no abortive close, and closing with unread bytes sends a FIN, not an RST, on
  // this machine's kernel (gVisor); Deno's node:net compatibility layer can set SO_LINGER 0.
  async listenResetting() {
    const server = createNodeServer((socket) => {
      socket.once("data", () => socket.resetAndDestroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    return {
      host: "127.0.0.1",
      port: (server.address() as AddressInfo).port,
      accepted: () => 0,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
  listenSilent: () =>
    Promise.resolve(serve(Deno.listen({ hostname: "127.0.0.1", port: 0 }), "127.0.0.1", () => {})),
  listenFlood(): Promise<FloodServer> {
    let bytesWritten = 0;
    let sawBackpressure = false;
    const chunk = new Uint8Array(64 * 1024);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const server = serve(listener, "127.0.0.1", (conn) => {
      void (async () => {
        try {
          for (;;) {
            const started = performance.now();
            bytesWritten += await conn.write(chunk);
            // Deno's write waits while the kernel buffer is full: a slow write is back-pressure.
            if (performance.now() - started > 20) sawBackpressure = true;
          }
        } catch {
          // The connection was closed.
        }
      })();
    });
    return Promise.resolve({ ...server, stats: () => ({ bytesWritten, sawBackpressure }) });
  },
  makeCertificate(dnsOnly = false) {
    let certificate = certificates.get(dnsOnly);
    certificate ??= (async () => {
      const dir = await Deno.makeTempDir({ prefix: "guacstream-tls-" });
      try {
        // CA:FALSE: rustls refuses a CA certificate used as the server's own certificate.
        // biome-ignore format: one openssl flag per line reads better
        const { success, stderr } = await new Deno.Command("openssl", {
          args: [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "2", "-subj", "/CN=localhost",
            "-addext", `subjectAltName=DNS:localhost${dnsOnly ? "" : ",IP:127.0.0.1"}`,
            "-addext", "basicConstraints=critical,CA:FALSE",
            "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`,
          ],
          stdout: "null",
          stderr: "piped",
        }).output();
        assert.ok(success, new TextDecoder().decode(stderr));
        const [cert, key] = await Promise.all([
          Deno.readTextFile(`${dir}/cert.pem`),
          Deno.readTextFile(`${dir}/key.pem`),
        ]);
        return { cert, key };
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    })();
    certificates.set(dnsOnly, certificate);
    return certificate;
  },
  tlsOptions: (ca, name) =>
    ca === undefined && name === undefined
      ? true
      : {
          ...(ca === undefined ? {} : { caCerts: [ca] }),
          ...(name === undefined ? {} : { hostname: name }),
        },
  ipv6Loopback() {
    try {
      Deno.listen({ hostname: "::1", port: 0 }).close();
      return Promise.resolve(true);
    } catch {
      return Promise.resolve(false);
    }
  },
  async runClientProcess(port, limitMs) {
    const dir = await Deno.makeTempDir({ prefix: "guacstream-exit-" });
    const script = `${dir}/client.ts`;
    const entry = new URL("./index.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      [
        `import { connect } from ${JSON.stringify(entry)};`,
        `const c = await connect({ port: ${port} });`,
        `await c.writable.getWriter().write(new TextEncoder().encode("3.nop;"));`,
        "const { value } = await c.readable.getReader().read();",
        `console.log("echoed " + new TextDecoder().decode(value));`,
        "await c.close();",
        `console.log("closed", await c.closed);`,
      ].join("\n"),
    );
    try {
      // Deno's own binary when --allow-run names it, else `deno` from PATH (npx puts a shim there),
      // so the documented command can say --allow-run=openssl,deno.
      const self = Deno.execPath();
      const granted =
        Deno.permissions.querySync({ name: "run", command: self }).state === "granted";
      const child = new Deno.Command(granted ? self : "deno", {
        args: ["run", "--no-config", "--allow-net=127.0.0.1", script],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), limitMs);
        }),
      ]);
      clearTimeout(timer);
      if (!exited) child.kill("SIGKILL");
      const { stdout, stderr } = await child.output();
      const decoder = new TextDecoder();
      return { exited, output: decoder.decode(stdout) + decoder.decode(stderr) };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
};

defineTransportSuite(harness);

Deno.test("connect() validates its numbers before touching the network", async () => {
  await assert.rejects(connect({ port: 70000 }), RangeError);
  await assert.rejects(connect({ timeout: 0 }), RangeError);
  await assert.rejects(connect({ highWaterMark: -1 }), RangeError);
});

Deno.test("a client certificate needs both cert and key", async () => {
  await assert.rejects(connect({ port: 1, tls: { cert: "x" } }), TypeError);
});

Deno.test("mutual TLS: the server verifies the client's certificate", async () => {
  const { cert, key } = await harness.makeCertificate();
  // Deno.listenTls cannot ask for a client certificate; Deno's node:tls server can. One
  // self-signed certificate plays both parts; each side trusts exactly it.
  const server = createTlsServer({
    cert,
    key,
    ca: [cert],
    requestCert: true,
    rejectUnauthorized: true,
  });
  let peerSubject: string | undefined;
  server.on("secureConnection", (socket) => {
    peerSubject = String(socket.getPeerCertificate().subject?.CN);
    socket.pipe(socket);
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  try {
    const connection = await connect({ port, tls: { caCerts: [cert], cert, key } });
    const writer = connection.writable.getWriter();
    await writer.write(new TextEncoder().encode("3.nop;"));
    const { value } = await connection.readable.getReader().read();
    assert.equal(new TextDecoder().decode(value), "3.nop;");
    assert.equal(peerSubject, "localhost");
    await connection.close();
    // Without a client certificate the server refuses; TLS 1.3 reports it on the first read.
    const outcome = await connect({ port, tls: { caCerts: [cert] } }).then(
      async (bare) => {
        const result = await bare.readable
          .getReader()
          .read()
          .then(
            () => "read",
            (error: GuacdConnectionError) => error.code,
          );
        await bare.close();
        return result;
      },
      (error: GuacdConnectionError) => error.code,
    );
    assert.equal(outcome, "TLS_FAILURE");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

Deno.test("errors are GuacdConnectionError with the facts", () => {
  const error = new GuacdConnectionError({
    code: "RESET",
    host: "::1",
    port: 4822,
    action: "read from",
    reason: "connection reset by peer",
  });
  assert.equal(error.message, "Cannot read from guacd at [::1]:4822: connection reset by peer");
  assert.equal(error.code, "RESET");
});
