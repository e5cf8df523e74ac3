// Shared by the browser and load tests: the simulator behind a connection-counting TCP proxy, and
// the example brokers started as their users start them (a child process that prints its URL).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningGuacdSimulator, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { sleepReal } from "@guacstream/test-support";

export const root: string = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const artifacts: string = join(root, ".test-results", "examples");
mkdirSync(artifacts, { recursive: true });

export interface CountedGuacd {
  readonly sim: RunningGuacdSimulator;
  readonly host: string;
  readonly port: number;
  /** TCP connections the brokers opened to guacd so far. */
  connections(): number;
  /** guacd connections open now. */
  open(): number;
  /** Whether a broker has stopped reading one of its guacd connections (its socket is full). */
  backedUp(): boolean;
  /** Bytes of guacd's the brokers have read so far, over every connection. */
  relayed(): number;
  /** guacd dies: every connection is reset (TCP RST). */
  killAll(): void;
  close(): Promise<void>;
}

/**
 * The simulator (VNC: the desktop recording, then held open, or replayed forever for host
 * `loop.sim`; SSH: the text session, then held) behind a
 * proxy that counts connections, so a test can prove a broker never contacted guacd.
 */
export async function startCountedGuacd(): Promise<CountedGuacd> {
  const sim = await startGuacdSimulator({
    resolveSession: (ctx) =>
      ctx.params.hostname === "loop.sim"
        ? { recording: "vnc-desktop", end: "loop" }
        : ctx.protocol === "vnc"
          ? { recording: "vnc-desktop", end: "hold" }
          : { recording: "ssh-text", end: "hold" },
  });
  let count = 0;
  let open = 0;
  const sockets = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let relayedByClosed = 0;
  const proxy: Server = createServer((client) => {
    count++;
    open++;
    changed();
    client.once("close", () => {
      open--;
      changed();
    });
    const upstream = createConnection({ host: sim.host, port: sim.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
    // After the pipe's own handler, which pauses guacd's side when the broker's side is full.
    upstream.on("data", changed);
    upstreams.add(upstream);
    upstream.once("close", () => {
      upstreams.delete(upstream);
      relayedByClosed += upstream.bytesRead;
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    sim,
    host: "127.0.0.1",
    port,
    connections: () => count,
    open: () => open,
    backedUp: () => [...upstreams].some((upstream) => upstream.isPaused()),
    relayed: () =>
      [...upstreams].reduce((sum, upstream) => sum + upstream.bytesRead, relayedByClosed),
    killAll() {
      for (const s of sockets) s.resetAndDestroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await sim.close();
    },
  };
}

export interface RunningBroker {
  readonly url: string;
  /** The admin listener's /metrics. */
  readonly metricsUrl: string;
  readonly pid: number;
  readonly output: () => string;
  /** Resolves with the exit code when the broker's process ends (`null`: ended by a signal). */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

let denoPath: string | undefined;

/**
 * The deno executable behind npm's `deno`, which is a Node shim: a signal sent to the shim would
 * end the shim, not the broker, and its RSS would be the shim's.
 */
export function denoExecutable(): string {
  denoPath ??= spawnSync(
    join(root, "node_modules", ".bin", "deno"),
    ["eval", "console.log(Deno.execPath())"],
    { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
  ).stdout.trim();
  return denoPath;
}

/** The command that starts each example broker, so that its pid is the broker's own process. */
function brokerCommand(kind: "node" | "deno"): readonly string[] {
  return kind === "node"
    ? // node itself (tsx as a loader, not its CLI, which would run the broker in a second process).
      [
        process.execPath,
        "--conditions=@guacstream/source",
        "--import",
        "tsx",
        "examples/broker-node/src/main.ts",
      ]
    : [denoExecutable(), "run", "-A", "examples/broker-deno/main.ts"];
}

/** Starts an example broker as a child process on a free port and waits for its "Open" line. */
export async function startBroker(
  kind: "node" | "deno",
  env: Record<string, string>,
  timeout = 90_000,
): Promise<RunningBroker> {
  const [command, ...args] = brokerCommand(kind);
  const child: ChildProcess = spawn(command!, args, {
    cwd: root,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      METRICS_PORT: "0",
      // Tests mint demo tokens unless they seal their own with a shared secret.
      ...(env.GUACSTREAM_TOKEN_SECRET === undefined ? { DEMO_TOKENS: "1" } : {}),
      // Every test client is 127.0.0.1: the caps are tested on their own, with small values.
      MAX_TUNNELS_PER_CLIENT: "10000",
      NEW_TUNNELS_PER_MINUTE: "1000000",
      ABUSE_COOLDOWN_MS: "0",
      MAX_CONNECTIONS_PER_SECOND: "100000",
      // stop() sends SIGTERM, which drains: the open tunnels are closed at once, not after 30 s.
      DRAIN_GRACE_MS: "0",
      NO_COLOR: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stop() ends tsx's or deno's children too
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => {
    output += d.toString();
    changed();
  });
  child.stderr!.on("data", (d: Buffer) => {
    output += d.toString();
    changed();
  });
  child.once("exit", changed);
  const pid = child.pid!;
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone already
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error("it exited");
        return /Open (http:\/\/\S+)/.test(output) && /Metrics (http:\/\/\S+)/.test(output);
      },
      "its URLs",
      timeout,
    );
  } catch (error) {
    await stop();
    throw new Error(`The ${kind} broker did not start (${(error as Error).message}):\n${output}`);
  }
  const url = /Open (http:\/\/\S+)/.exec(output)![1]!;
  const metricsUrl = /Metrics (http:\/\/\S+)/.exec(output)?.[1] ?? "";
  return { url, metricsUrl, pid, output: () => output, exited, stop };
}

/** A demo token from a broker (`POST /demo/token` with the page's own Origin, as the page does). */
export async function demoToken(url: string, profile = "vnc"): Promise<string> {
  const response = await fetch(`${url}demo/token?profile=${profile}`, {
    method: "POST",
    headers: { origin: new URL(url).origin },
  });
  if (!response.ok) throw new Error(`No demo token: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

/** Starts a broker and waits for it to exit (it must refuse to start); its output and code. */
export async function expectNoStart(
  kind: "node" | "deno",
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const [command, ...args] = brokerCommand(kind);
  const child = spawn(command!, args, {
    cwd: root,
    env: { ...process.env, PORT: "0", METRICS_PORT: "0", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  return { code, output };
}

// Most of what the tests wait for changes on an event of one of this process's sockets (a
// browser stand-in's message, a guacd connection opening or closing, a broker's output): each such
// event calls changed(), and waitFor checks again. What no such event announces (an HTTP answer,
// the browser's page, the simulator's state) is polled by pollFor on tallied real sleeps.
const waiters = new Set<() => void>();

/** Wakes every {@linkcode waitFor}: something a test waits on may have changed. */
export function changed(): void {
  for (const wake of waiters) wake();
  waiters.clear();
}

/**
 * Resolves with `check`'s value once it is truthy, checking again at each {@linkcode changed};
 * rejects with `what` after `timeout` ms.
 */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeout = 30_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Timed out waiting for ${what}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      waiters.add(resolve);
      timer = setTimeout(resolve, left);
    });
    clearTimeout(timer);
  }
}

/**
 * Resolves with `check`'s value once it is truthy, checking every `every` ms of real time;
 * rejects with `what` after `timeout` ms. For state no socket event of this process announces.
 */
export async function pollFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeout = 30_000,
  every = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleepReal(every);
  }
}
