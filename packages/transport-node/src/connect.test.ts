import { execFile, spawn } from "node:child_process";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { GuacdConnectionError as CodecGuacdConnectionError } from "@guacstream/codec/transport";
import { GuacdSimulator } from "@guacstream/guacd-sim";
import { loadCorpus, socketToDuplex } from "@guacstream/guacd-sim/node";
import {
  defineGuacamoleSuite,
  defineLiveGuacdSuite,
  defineTransportSuite,
  type FloodServer,
  type GuacamoleHarness,
  type Harness,
  MAX_SOCKET_READ,
  type ServerConnection,
  type SuiteGuacamoleOptions,
  type TestServer,
} from "@guacstream/transport-suite";
import { startMutualTlsEchoServer } from "@guacstream/transport-suite/mutual-tls-server";
import { expect, test } from "vitest";
import {
  type ConnectGuacamoleOptions,
  connect,
  connectGuacamole,
  GuacdConnectionError,
} from "./index.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..", "..");

function serverConnection(socket: Socket): ServerConnection {
  // A minimal hand adapter, not Duplex.toWeb: on Node 20 the latter's readable waits for the
  // writable side to finish too, so a half-open echo never ends. Lazy, so nothing is read until
  // a test asks for the readable.
  let readable: ReadableStream<Uint8Array> | undefined;
  let writable: WritableStream<Uint8Array> | undefined;
  return {
    get readable() {
      readable ??= new ReadableStream<Uint8Array>(
        {
          start(controller) {
            socket.on("data", (data: Buffer) => {
              controller.enqueue(new Uint8Array(data));
              if ((controller.desiredSize ?? 0) <= 0) socket.pause();
            });
            socket.once("end", () => controller.close());
            socket.once("error", (error) => controller.error(error));
          },
          pull: () => {
            socket.resume();
          },
          cancel: () => {
            socket.destroy();
          },
        },
        { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
      );
      return readable;
    },
    get writable() {
      writable ??= new WritableStream<Uint8Array>({
        write: (chunk) =>
          new Promise<void>((resolve, reject) =>
            socket.write(chunk, (error) => (error ? reject(error) : resolve())),
          ),
        close: () => new Promise<void>((resolve) => socket.end(resolve)),
        abort: () => {
          socket.destroy();
        },
      });
      return writable;
    },
  };
}

async function start(server: Server, host: string): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on("connection", (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    host,
    port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const certificates = new Map<boolean, Promise<{ cert: string; key: string }>>();

const harness: Harness = {
  test: (name, fn, options) => (options?.skip ? test.skip(name, fn) : test(name, fn, 20_000)),
  connect: (options) => connect(options as Parameters<typeof connect>[0]),
  async listen(onConnection, options) {
    const host = options?.host ?? "127.0.0.1";
    if (options?.tls !== undefined) {
      const server = createTlsServer({
        cert: options.tls.cert,
        key: options.tls.key,
        allowHalfOpen: true,
      });
      server.on("secureConnection", (socket) => onConnection(serverConnection(socket)));
      server.on("tlsClientError", () => {});
      return start(server, host);
    }
    // Half-open, so an echo server's FIN waits for its echo: otherwise Node ends the socket as soon
    // as the client's FIN arrives, dropping what the echo pipe had not written yet.
    const server = createServer({ allowHalfOpen: true }, (socket) =>
      onConnection(serverConnection(socket)),
    );
    return start(server, host);
  },
  listenResetting: () =>
    start(
      createServer((socket) => socket.once("data", () => socket.resetAndDestroy())),
      "127.0.0.1",
    ),
  listenSilent: () => start(createServer(), "127.0.0.1"),
  async listenFlood(): Promise<FloodServer> {
    let bytesWritten = 0;
    let sawBackpressure = false;
    const chunk = new Uint8Array(64 * 1024);
    const server = createServer((socket) => {
      const pump = (): void => {
        while (!socket.destroyed) {
          bytesWritten += chunk.length;
          if (!socket.write(chunk)) {
            sawBackpressure = true;
            socket.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
    const started = await start(server, "127.0.0.1");
    return { ...started, stats: () => ({ bytesWritten, sawBackpressure }) };
  },
  makeCertificate(dnsOnly = false) {
    let certificate = certificates.get(dnsOnly);
    certificate ??= (async () => {
      const dir = await mkdtemp(join(tmpdir(), "guacstream-tls-"));
      try {
        // biome-ignore format: one openssl flag per line reads better
        await promisify(execFile)("openssl", [
          "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-days", "2", "-subj", "/CN=localhost",
          "-addext", `subjectAltName=DNS:localhost${dnsOnly ? "" : ",IP:127.0.0.1"}`,
          "-addext", "basicConstraints=critical,CA:FALSE",
          "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
        ]);
        const [cert, key] = await Promise.all([
          readFile(join(dir, "cert.pem"), "utf8"),
          readFile(join(dir, "key.pem"), "utf8"),
        ]);
        return { cert, key };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    certificates.set(dnsOnly, certificate);
    return certificate;
  },
  tlsOptions: (ca, name, client) =>
    ca === undefined && name === undefined && client === undefined
      ? true
      : {
          ...(ca === undefined ? {} : { ca }),
          ...(name === undefined ? {} : { servername: name }),
          ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
        },
  listenMutualTls: startMutualTlsEchoServer,
  ipv6Loopback: () =>
    new Promise((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(0, "::1", () => server.close(() => resolve(true)));
    }),
  async runClientProcess(port, limitMs) {
    const dir = await mkdtemp(join(tmpdir(), "guacstream-exit-"));
    const script = join(dir, "client.mts");
    const entry = pathToFileURL(join(here, "index.ts")).href;
    await writeFile(
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
      // On the sources, like every other test (the codec's dist/ may be stale or missing).
      const node = ["--conditions=@guacstream/source", "--import", "tsx", script];
      const child = spawn(process.execPath, node, {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (data: Buffer) => {
        output += data;
      });
      child.stderr.on("data", (data: Buffer) => {
        output += data;
      });
      const exited = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          resolve(false);
        }, limitMs);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      return { exited, output };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

defineTransportSuite(harness);

const guacamoleHarness: GuacamoleHarness = {
  ...harness,
  // The session tests read whole recordings; 200 sessions share two cores here.
  test: (name, fn, options) => (options?.skip ? test.skip(name, fn) : test(name, fn, 60_000)),
  connectGuacamole: (options: SuiteGuacamoleOptions) =>
    connectGuacamole(options as ConnectGuacamoleOptions),
  async startSimulator(setup = {}) {
    const { tls, ...options } = setup;
    const simulator = new GuacdSimulator({ ...options, corpus: await loadCorpus() });
    const abort = new AbortController();
    const serving = new Set<Promise<unknown>>();
    const onSocket = (socket: Socket): void => {
      socket.on("error", () => {});
      const done: Promise<unknown> = simulator
        .serve(socketToDuplex(socket), { signal: abort.signal })
        .catch(() => {})
        .finally(() => serving.delete(done));
      serving.add(done);
    };
    let server: Server;
    if (tls === undefined) server = createServer({ noDelay: true }, onSocket);
    else {
      server = createTlsServer({ cert: tls.cert, key: tls.key }, onSocket);
      server.on("tlsClientError", () => {});
    }
    const started = await start(server, "127.0.0.1");
    return {
      host: started.host,
      port: started.port,
      simulator,
      async close() {
        abort.abort();
        await Promise.all(serving);
        await started.close();
      },
    };
  },
  memory() {
    const { rss, arrayBuffers } = process.memoryUsage();
    return { rss, buffers: arrayBuffers };
  },
  async runExample(env, limitMs) {
    const child = spawn(
      process.execPath,
      [
        "--conditions=@guacstream/source",
        "--import",
        "tsx",
        join(here, "..", "examples", "hello.ts"),
      ],
      { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data;
    });
    child.stderr.on("data", (data: Buffer) => {
      output += data;
    });
    let code: number | null = null;
    const exited = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(false);
      }, limitMs);
      child.once("exit", (status) => {
        clearTimeout(timer);
        code = status;
        resolve(true);
      });
    });
    return { exited, code, output };
  },
  env: (name) => process.env[name],
};

defineGuacamoleSuite(guacamoleHarness);
defineLiveGuacdSuite(guacamoleHarness);

test("each README's complete example is its examples/hello.ts, verbatim", async () => {
  const rootReadme = await readFile(join(root, "README.md"), "utf8");
  for (const pkg of ["transport-node", "transport-deno"]) {
    const dir = join(root, "packages", pkg);
    const [readme, hello] = await Promise.all([
      readFile(join(dir, "README.md"), "utf8"),
      readFile(join(dir, "examples", "hello.ts"), "utf8"),
    ]);
    expect(readme, pkg).toContain(`\`\`\`ts\n${hello.trimEnd()}\n\`\`\``);
    // The root README shows both programs too.
    expect(rootReadme, pkg).toContain(`\`\`\`ts\n${hello.trimEnd()}\n\`\`\``);
  }
});

test("the transport re-exports the codec's GuacdConnectionError (Deno's side: connect_test.ts)", () => {
  expect(GuacdConnectionError).toBe(CodecGuacdConnectionError);
});

test("connect() validates its numbers before touching the network", async () => {
  await expect(connect({ port: 70000 })).rejects.toThrow(RangeError);
  await expect(connect({ timeout: 0 })).rejects.toThrow(RangeError);
  await expect(connect({ highWaterMark: -1 })).rejects.toThrow(RangeError);
});

test("GuacdConnectionError brackets IPv6 hosts and keeps its facts", () => {
  const cause = new Error("ECONNREFUSED");
  const error = new GuacdConnectionError({
    code: "CONNECTION_REFUSED",
    host: "::1",
    port: 4822,
    action: "connect to",
    reason: "connection refused",
    address: "::1",
    cause,
  });
  expect(error.message).toBe("Cannot connect to guacd at [::1]:4822: connection refused");
  expect(error.cause).toBe(cause);
  expect(error.address).toBe("::1");
  expect(error).toBeInstanceOf(Error);
});

test("a slow reader: the whole process holds at most highWaterMark + 2 socket reads", async () => {
  // The suite bounds the web stream's queue; this also counts Node's socket buffer, by watching
  // the raw socket that net.connect creates (diagnostics_channel "net.client.socket").
  const sockets: Socket[] = [];
  const onSocket = (message: unknown): void => {
    sockets.push((message as { socket: Socket }).socket);
  };
  subscribe("net.client.socket", onSocket);
  const server = await harness.listenFlood();
  try {
    const highWaterMark = 32 * 1024;
    const connection = await connect({ port: server.port, highWaterMark });
    const socket = sockets.at(-1)!;
    const reader = connection.readable.getReader({ mode: "byob" });
    let consumed = 0;
    let maxHeld = 0;
    const until = Date.now() + 1000;
    while (Date.now() < until) {
      const { value } = await reader.read(new Uint8Array(16 * 1024));
      consumed += value?.byteLength ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 10));
      maxHeld = Math.max(maxHeld, socket.bytesRead - consumed);
    }
    const bound = highWaterMark + 2 * MAX_SOCKET_READ;
    expect(maxHeld).toBeLessThanOrEqual(bound);
    expect(server.stats().sawBackpressure).toBe(true);
    await connection.close();
  } finally {
    unsubscribe("net.client.socket", onSocket);
    await server.close();
  }
});
