// Runs the shared transport behaviour suite against Deno.listen / Deno.listenTls servers.
// cd /work/main && npx deno test --config packages/transport-deno/deno.json \
//   --allow-net=127.0.0.1,[::1],localhost,nonexistent.invalid --allow-read --allow-write \
//   --allow-run=openssl,<deno> packages/transport-deno/
// (the transport itself needs only --allow-net; the rest is openssl, temp files and a child deno).
import assert from "node:assert/strict";
import { type AddressInfo, createServer as createNodeServer } from "node:net";
import { corpusUrl, GuacdSimulator, type SimulatorCorpus } from "@guacstream/guacd-sim";
import {
  defineGuacamoleSuite,
  defineLiveGuacdSuite,
  defineTransportSuite,
  type FloodServer,
  type GuacamoleHarness,
  type Harness,
  type ServerConnection,
  type TestServer,
} from "@guacstream/transport-suite";
import { startMutualTlsEchoServer } from "@guacstream/transport-suite/mutual-tls-server";
import {
  type ConnectGuacamoleOptions,
  type ConnectOptions,
  connect,
  connectGuacamole,
  GuacdConnectionError,
} from "./index.ts";

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

/** Without colour codes: Deno colours console.log when FORCE_COLOR is set, even to 0 (npm test). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes start with ESC
const plain = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, "");

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
            const written = await conn.write(chunk);
            bytesWritten += written;
            // A full kernel buffer shows either as a short write or as a write that waits (a busy
            // machine can hide the wait behind scheduling, never the short write).
            if (written < chunk.length || performance.now() - started > 20) sawBackpressure = true;
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
  tlsOptions: (ca, name, client) =>
    ca === undefined && name === undefined && client === undefined
      ? true
      : {
          ...(ca === undefined ? {} : { caCerts: [ca] }),
          ...(name === undefined ? {} : { hostname: name }),
          ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
        },
  listenMutualTls: startMutualTlsEchoServer,
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
      const { exited, output } = await runDeno(
        // The workspace config, so the transport resolves @guacstream/codec.
        [
          "run",
          "--config",
          new URL("../../../deno.json", import.meta.url).pathname,
          "--allow-net=127.0.0.1",
          script,
        ],
        {},
        limitMs,
      );
      return { exited, output };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
};

defineTransportSuite(harness);

// The simulator is Node-only at its edges (corpus from disk, node:net): here its runtime-free core
// serves Deno.listen / Deno.listenTls connections, and the corpus is read with Deno's own API.
let corpus: Promise<SimulatorCorpus> | undefined;
function loadCorpus(): Promise<SimulatorCorpus> {
  corpus ??= (async () => {
    const dir = decodeURIComponent(corpusUrl().pathname);
    const args: Record<string, Uint8Array> = {};
    const recordings: Record<string, Uint8Array> = {};
    const walk = async (sub: string): Promise<void> => {
      for await (const entry of Deno.readDir(dir + sub)) {
        const name = sub + entry.name;
        if (entry.isDirectory) await walk(`${name}/`);
        else if (name.startsWith("handshake-args/") && name.endsWith(".args.guac")) {
          args[name.slice("handshake-args/".length, -".args.guac".length)] = await Deno.readFile(
            dir + name,
          );
        } else if (name.endsWith(".s2c.guac")) {
          recordings[name.slice(0, -".s2c.guac".length)] = await Deno.readFile(dir + name);
        } else if (name.endsWith(".guac") && !name.endsWith(".c2s.guac")) {
          recordings[name.slice(0, -".guac".length)] = await Deno.readFile(dir + name);
        }
      }
    };
    await walk("");
    return { args, recordings };
  })();
  return corpus;
}

/**
 * A connection as the simulator's duplex, closing the way guacd (and the simulator's Node adapter)
 * does: FIN on the writable's close, and input drained until the peer closes, because closing a
 * socket with unread input (a client's last sync echoes) makes the kernel send RST, and an RST can
 * discard the session's last bytes before the client has read them.
 */
function lingeringDuplex(conn: Deno.Conn): {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
} {
  const reader = conn.readable.getReader();
  const writer = conn.writable.getWriter();
  let writeClosed = false;
  let readDone = false;
  const finish = (): void => {
    if (writeClosed && readDone) closeQuietly(conn);
  };
  const readable = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (!done) return controller.enqueue(value);
        } catch {
          // Reset or closed: the end of input either way.
        }
        readDone = true;
        controller.close();
        finish();
      },
      async cancel() {
        try {
          while (!(await reader.read()).done);
        } catch {
          // Closed by the test server's close().
        }
        readDone = true;
        finish();
      },
    },
    { highWaterMark: 0 },
  );
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => writer.write(chunk),
    async close() {
      try {
        await writer.ready;
        await conn.closeWrite();
      } catch {
        // Already closed.
      }
      writeClosed = true;
      finish();
    },
    abort() {
      writeClosed = true;
      readDone = true;
      closeQuietly(conn);
    },
  });
  return { readable, writable };
}

const guacamoleHarness: GuacamoleHarness = {
  ...harness,
  connectGuacamole: (options) => connectGuacamole(options as ConnectGuacamoleOptions),
  async startSimulator(setup = {}) {
    const { tls, ...options } = setup;
    const simulator = new GuacdSimulator({ ...options, corpus: await loadCorpus() });
    const abort = new AbortController();
    const serving = new Set<Promise<unknown>>();
    const hostname = "127.0.0.1";
    const listener =
      tls === undefined
        ? Deno.listen({ hostname, port: 0 })
        : Deno.listenTls({ hostname, port: 0, cert: tls.cert, key: tls.key });
    const server = serve(listener, hostname, (conn) => {
      const done: Promise<unknown> = simulator
        .serve(lingeringDuplex(conn), { signal: abort.signal })
        .catch(() => {})
        .finally(() => serving.delete(done));
      serving.add(done);
    });
    return {
      host: hostname,
      port: server.port,
      simulator,
      async close() {
        abort.abort();
        await Promise.all(serving);
        await server.close();
      },
    };
  },
  memory() {
    const { rss, external } = Deno.memoryUsage();
    return { rss, buffers: external };
  },
  runExample: (env, limitMs) =>
    runDeno(
      [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-env",
        new URL("../examples/hello.ts", import.meta.url).pathname,
      ],
      { cwd: new URL("../../..", import.meta.url).pathname, env },
      limitMs,
    ),
  env: (name) => Deno.env.get(name),
};

defineGuacamoleSuite(guacamoleHarness);
defineLiveGuacdSuite(guacamoleHarness);

Deno.test("connect() validates its numbers before touching the network", async () => {
  await assert.rejects(connect({ port: 70000 }), RangeError);
  await assert.rejects(connect({ timeout: 0 }), RangeError);
  await assert.rejects(connect({ highWaterMark: -1 }), RangeError);
});

Deno.test("a client certificate needs both cert and key", async () => {
  await assert.rejects(connect({ port: 1, tls: { cert: "x" } }), TypeError);
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

Deno.test("both transports re-export the codec's one GuacdConnectionError", async () => {
  const codec = await import("@guacstream/codec/transport");
  const node = await import("../../transport-node/src/index.ts");
  assert.equal(GuacdConnectionError, codec.GuacdConnectionError);
  assert.equal(node.GuacdConnectionError, codec.GuacdConnectionError);
});

/**
 * Runs a Deno child process, killed after `limitMs`; says whether it exited by itself. Deno's own
 * binary when --allow-run names it, else `deno` from PATH (npx puts a shim there), so the
 * documented command can say --allow-run=openssl,deno.
 */
async function runDeno(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> },
  limitMs: number,
): Promise<{ exited: boolean; code: number | null; output: string }> {
  const self = Deno.execPath();
  const granted = Deno.permissions.querySync({ name: "run", command: self }).state === "granted";
  const child = new Deno.Command(granted ? self : "deno", {
    args,
    ...options,
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
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return {
    exited,
    code: exited ? code : null,
    output: plain(decoder.decode(stdout) + decoder.decode(stderr)),
  };
}
