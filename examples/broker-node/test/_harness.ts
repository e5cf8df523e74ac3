// Shared by the browser and load tests: the simulator behind a connection-counting TCP proxy, and
// the example brokers started as their users start them (a child process that prints its URL).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningGuacdSimulator, startGuacdSimulator } from "@guacstream/guacd-sim/node";

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
  const proxy: Server = createServer((client) => {
    count++;
    open++;
    client.once("close", () => open--);
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
  stop(): Promise<void>;
}

export const BROKERS: Record<"node" | "deno", readonly string[]> = {
  // node itself (tsx as a loader, not its CLI, which would run the broker in a second process),
  // so the pid is the broker's: its RSS is the broker's own.
  node: [
    process.execPath,
    "--conditions=@guacstream/source",
    "--import",
    "tsx",
    "examples/broker-node/src/main.ts",
  ],
  deno: [join(root, "node_modules", ".bin", "deno"), "run", "-A", "examples/broker-deno/main.ts"],
};

/** Starts an example broker as a child process on a free port and waits for its "Open" line. */
export async function startBroker(
  kind: "node" | "deno",
  env: Record<string, string>,
  timeout = 90_000,
): Promise<RunningBroker> {
  const [command, ...args] = BROKERS[kind];
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
      NO_COLOR: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stop() ends tsx's or deno's children too
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
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
  const started = Date.now();
  while (!/Open (http:\/\/\S+)/.test(output) || !/Metrics (http:\/\/\S+)/.test(output)) {
    if (child.exitCode !== null || Date.now() - started > timeout) {
      await stop();
      throw new Error(`The ${kind} broker did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /Open (http:\/\/\S+)/.exec(output)![1]!;
  const metricsUrl = /Metrics (http:\/\/\S+)/.exec(output)?.[1] ?? "";
  return { url, metricsUrl, pid, output: () => output, stop };
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
  const [command, ...args] = BROKERS[kind];
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

/** Polls until `check` resolves truthy; rejects with `what` after `timeout` ms. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeout = 30_000,
): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() - started > timeout) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
