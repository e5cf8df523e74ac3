// The Node entry: reads the corpus from disk and serves the simulator on node:net sockets.

import { setMaxListeners } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join, relative, sep } from "node:path";
import { corpusPath } from "./corpus-path.ts";
import { SimulatorError } from "./errors.ts";
import type { SessionReport } from "./report.ts";
import {
  type ByteDuplex,
  GuacdSimulator,
  type GuacdSimulatorOptions,
  type SimulatorCorpus,
} from "./simulator.ts";

/**
 * The corpus as read from disk: {@linkcode SimulatorCorpus} plus the client-side recordings.
 *
 * @example Replay a recorded client
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCorpus } from "@guacstream/guacd-sim/node";
 * const { clientRecordings } = await loadCorpus();
 * assert.equal(new TextDecoder().decode(clientRecordings["errors/malformed-garbage"]), "xyz;");
 * ```
 */
export interface LoadedCorpus extends SimulatorCorpus {
  /** Where it was read from. */
  readonly dir: string;
  /** Client-to-guacd recordings (`*.c2s.guac`) by name, for replaying a client byte for byte. */
  readonly clientRecordings: Readonly<Record<string, Uint8Array>>;
}

/**
 * The corpus directory: `$GUACSTREAM_CORPUS`; else, inside this repository, `shared/corpus`
 * beside it (`<repo>/../shared/corpus`, found from this file's location); else, installed, the
 * compact corpus inside the package (`node_modules/@guacstream/guacd-sim/corpus/`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCorpusDir } from "@guacstream/guacd-sim/node";
 * assert.match(defaultCorpusDir(), /corpus/);
 * ```
 */
export function defaultCorpusDir(): string {
  return corpusPath();
}

/** How long a closed session's socket keeps draining input before it is destroyed. */
const LINGER_MS = 5000;

const loaded = new Map<string, Promise<LoadedCorpus>>();

/**
 * Reads every recording of the corpus (cached per directory). Names are paths relative to the
 * corpus without the suffix: `args.vnc` from `handshake-args/vnc.args.guac`,
 * `recordings["errors/ssh-bad-password"]` from `errors/ssh-bad-password.s2c.guac`,
 * `recordings["native/vnc-native"]` from `native/vnc-native.guac`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadCorpus } from "@guacstream/guacd-sim/node";
 * const corpus = await loadCorpus();
 * assert.ok(corpus.args.vnc instanceof Uint8Array);
 * assert.ok(corpus.recordings["vnc-desktop"] instanceof Uint8Array);
 * ```
 */
export function loadCorpus(dir: string = defaultCorpusDir()): Promise<LoadedCorpus> {
  let corpus = loaded.get(dir);
  if (corpus === undefined) {
    corpus = readCorpus(dir);
    loaded.set(dir, corpus);
    corpus.catch(() => loaded.delete(dir));
  }
  return corpus;
}

async function readCorpus(dir: string): Promise<LoadedCorpus> {
  const args: Record<string, Uint8Array> = {};
  const recordings: Record<string, Uint8Array> = {};
  const clientRecordings: Record<string, Uint8Array> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  await Promise.all(
    entries
      .filter((entry) => entry.isFile() && entry.name.endsWith(".guac"))
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        const name = relative(dir, path).split(sep).join("/");
        const bytes = new Uint8Array(await readFile(path));
        if (name.startsWith("handshake-args/") && name.endsWith(".args.guac")) {
          args[name.slice("handshake-args/".length, -".args.guac".length)] = bytes;
        } else if (name.endsWith(".s2c.guac")) {
          recordings[name.slice(0, -".s2c.guac".length)] = bytes;
        } else if (name.endsWith(".c2s.guac")) {
          clientRecordings[name.slice(0, -".c2s.guac".length)] = bytes;
        } else {
          recordings[name.slice(0, -".guac".length)] = bytes;
        }
      }),
  );
  return { dir, args, recordings, clientRecordings };
}

/**
 * Adapts a `node:net` socket to a web-stream duplex with back-pressure both ways: the socket is
 * paused while the readable side has no demand, and each write resolves once `socket.write`
 * returned true or the socket drained.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Socket } from "node:net";
 * import { socketToDuplex } from "@guacstream/guacd-sim/node";
 * const duplex = socketToDuplex(new Socket());
 * assert.ok(duplex.writable instanceof WritableStream);
 * ```
 */
export function socketToDuplex(socket: Socket): ByteDuplex {
  let ended = false;
  const readable = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        socket.on("data", (chunk: Buffer) => {
          if (ended) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) socket.pause();
        });
        const finish = (): void => {
          if (ended) return;
          ended = true;
          controller.close();
        };
        socket.once("end", finish);
        socket.once("close", finish);
        socket.once("error", () => {
          if (ended) return;
          ended = true;
          controller.close();
        });
      },
      pull() {
        socket.resume();
      },
      cancel() {
        ended = true;
        if (!socket.writableEnded) {
          socket.destroy();
          return;
        }
        // Closing with unread input makes the kernel send RST, which can drop our last bytes at
        // the peer: keep draining until the peer closes too (or a few seconds have passed).
        socket.resume();
        setTimeout(() => socket.destroy(), LINGER_MS).unref();
      },
    },
    { highWaterMark: 4 },
  );
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        if (socket.destroyed || !socket.writable) {
          reject(new Error("Cannot write: socket closed"));
          return;
        }
        if (socket.write(chunk)) {
          resolve();
          return;
        }
        const onDrain = (): void => {
          socket.off("close", onClose);
          resolve();
        };
        const onClose = (): void => {
          socket.off("drain", onDrain);
          reject(new Error("Cannot write: socket closed"));
        };
        socket.once("drain", onDrain);
        socket.once("close", onClose);
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (socket.destroyed) {
          resolve();
          return;
        }
        socket.end(() => resolve());
        socket.once("close", () => resolve());
      });
    },
    abort(reason) {
      // A connection over the session cap is reset, as a guacd out of processes does.
      if (reason instanceof SimulatorError && reason.code === "over-capacity") {
        socket.resetAndDestroy();
      } else socket.destroy();
    },
  });
  return { readable, writable };
}

/** Options of {@linkcode startGuacdSimulator}. */
export interface StartGuacdSimulatorOptions extends Omit<GuacdSimulatorOptions, "corpus"> {
  /** What to serve. @default `await loadCorpus()` */
  readonly corpus?: SimulatorCorpus;
  /** Interface to listen on. @default "127.0.0.1" */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
}

/**
 * A simulator listening on TCP, from {@linkcode startGuacdSimulator}.
 *
 * @example Wait for a session's report
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "node:net";
 * import { startGuacdSimulator } from "@guacstream/guacd-sim/node";
 * const sim = await startGuacdSimulator();
 * try {
 *   const socket = connect(sim.port, sim.host, () => socket.end("6.select,12.$nonexistent;"));
 *   socket.resume();
 *   const [report] = await sim.simulator.waitForReports(1);
 *   assert.equal(report?.end?.reason, "no-such-connection");
 * } finally {
 *   await sim.close();
 * }
 * ```
 */
export interface RunningGuacdSimulator {
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on. */
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** The simulator: live `sessions`, ended `reports`, `waitForReports`, `sendClipboard`. */
  readonly simulator: GuacdSimulator;
  /** Reports of the sessions still open (live objects). */
  readonly sessions: readonly SessionReport[];
  /** Reports of the sessions that have ended. */
  readonly reports: readonly SessionReport[];
  /** Stops listening, aborts every open session and waits for them to close. */
  close(): Promise<void>;
}

/**
 * Starts a simulator on TCP (loopback, a free port by default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startGuacdSimulator } from "@guacstream/guacd-sim/node";
 * const sim = await startGuacdSimulator();
 * try {
 *   assert.equal(sim.host, "127.0.0.1");
 *   assert.ok(sim.port > 0);
 * } finally {
 *   await sim.close();
 * }
 * ```
 */
export async function startGuacdSimulator(
  options: StartGuacdSimulatorOptions = {},
): Promise<RunningGuacdSimulator> {
  const { host = "127.0.0.1", port = 0, corpus, ...rest } = options;
  const simulator = new GuacdSimulator({ ...rest, corpus: corpus ?? (await loadCorpus()) });
  const abort = new AbortController();
  // Every session listens to this one signal: hundreds at once are expected, not a leak.
  setMaxListeners(0, abort.signal);
  const sockets = new Set<Socket>();
  const serving = new Set<Promise<unknown>>();
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const done = simulator
      .serve(socketToDuplex(socket), { signal: abort.signal })
      .catch(() => {})
      .finally(() => {
        serving.delete(done);
      });
    serving.add(done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  const boundPort = typeof bound === "object" && bound !== null ? bound.port : port;
  return {
    host,
    port: boundPort,
    address: `${host}:${boundPort}`,
    simulator,
    get sessions() {
      return simulator.sessions;
    },
    get reports() {
      return simulator.reports;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      abort.abort();
      await Promise.all(serving);
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
