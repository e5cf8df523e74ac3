// The peers every transport is tested against, written once on node:net, node:tls and
// node:child_process: Node runs them natively and Deno through its node: layer, so both
// transports meet the same servers, simulator and certificates.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { promisify } from "node:util";
import { GuacdSimulator } from "@guacstream/guacd-sim";
import { loadCorpus, socketToDuplex } from "@guacstream/guacd-sim/node";
import type {
  FloodServer,
  MutualTlsServer,
  ServerConnection,
  SimulatorSetup,
  SuiteSimulator,
  TestServer,
} from "./harness.ts";

/** A certificate and its key, PEM. */
export interface Certificate {
  cert: string;
  key: string;
}

/**
 * The server's end of a socket as web streams. A minimal hand adapter, not Duplex.toWeb: on
 * Node 20 the latter's readable waits for the writable side to finish too, so a half-open echo
 * never ends. Lazy, so nothing is read until a test asks for the readable.
 */
function serverConnection(socket: Socket): ServerConnection {
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

/** Listens on `host`:`port` and tracks the sockets, so that close() ends them all. */
async function start(server: Server, host = "127.0.0.1", port = 0): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const waiters = new Set<{ count: number; resolve: () => void }>();
  server.on("connection", (socket: Socket) => {
    accepted++;
    for (const waiter of waiters) {
      if (accepted >= waiter.count) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    host,
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    whenAccepted: (count) =>
      accepted >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.add({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A plain or TLS server on `host` (default 127.0.0.1) and `port` (default: a free one). */
export function listen(
  onConnection: (connection: ServerConnection) => void,
  options: { host?: string; port?: number; tls?: Certificate } = {},
): Promise<TestServer> {
  const { host, port, tls } = options;
  if (tls !== undefined) {
    const server = createTlsServer({ ...tls, allowHalfOpen: true });
    server.on("secureConnection", (socket) => onConnection(serverConnection(socket)));
    server.on("tlsClientError", () => {});
    return start(server, host, port);
  }
  // Half-open, so an echo server's FIN waits for its echo: otherwise the socket ends as soon as
  // the client's FIN arrives, dropping what the echo pipe had not written yet.
  const server = createServer({ allowHalfOpen: true }, (socket) =>
    onConnection(serverConnection(socket)),
  );
  return start(server, host, port);
}

/** A server that accepts TCP and never sends a byte (a TLS handshake against it hangs). */
export function listenSilent(): Promise<TestServer> {
  return start(createServer());
}

/** A server that resets (TCP RST) each connection as soon as it receives a byte. */
export function listenResetting(): Promise<TestServer> {
  return start(createServer((socket) => socket.once("data", () => socket.resetAndDestroy())));
}

/** A server that writes to every connection as fast as the socket lets it. */
export async function listenFlood(): Promise<FloodServer> {
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
  const started = await start(server);
  return { ...started, stats: () => ({ bytesWritten, sawBackpressure }) };
}

/** A TLS echo server on 127.0.0.1 trusting exactly `certificate` on both sides. */
export async function listenMutualTls(certificate: Certificate): Promise<MutualTlsServer> {
  const server = createTlsServer({
    ...certificate,
    ca: [certificate.cert],
    requestCert: true,
    rejectUnauthorized: true,
  });
  let peerSubject: string | undefined;
  server.on("secureConnection", (socket) => {
    peerSubject = String(socket.getPeerCertificate().subject?.CN);
    socket.pipe(socket);
  });
  server.on("tlsClientError", () => {});
  return { ...(await start(server)), peerSubject: () => peerSubject };
}

const certificates = new Map<boolean, Promise<Certificate>>();

/**
 * A self-signed certificate (openssl) for CN=localhost with SAN DNS:localhost and, unless
 * `dnsOnly`, IP:127.0.0.1. CA:FALSE, because rustls refuses a CA certificate used as the
 * server's own.
 */
export function makeCertificate(dnsOnly = false): Promise<Certificate> {
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
}

/** Whether `::1` can be bound here. */
export function ipv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => server.close(() => resolve(true)));
  });
}

/** The guacd simulator on 127.0.0.1, plain or TLS, serving the corpus's recordings. */
export async function startSimulator(setup: SimulatorSetup = {}): Promise<SuiteSimulator> {
  const { tls, ...options } = setup;
  const simulator = new GuacdSimulator({ ...options, corpus: await loadCorpus() });
  const abort = new AbortController();
  const serving = new Set<Promise<unknown>>();
  const onSocket = (socket: Socket): void => {
    const done: Promise<unknown> = simulator
      .serve(socketToDuplex(socket), { signal: abort.signal })
      .catch(() => {})
      .finally(() => serving.delete(done));
    serving.add(done);
  };
  let server: Server;
  if (tls === undefined) server = createServer({ noDelay: true }, onSocket);
  else {
    server = createTlsServer(tls, onSocket);
    server.on("tlsClientError", () => {});
  }
  const started = await start(server);
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
}
