// Node only: starts a throwaway redis-server for tests (yours and ours).
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/**
 * A redis-server started by {@link startRedisServer}: stop it and start it again on the same port
 * to play a Redis outage.
 */
export interface RunningRedisServer {
  /** Its loopback port. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Whether the process runs now. */
  readonly running: boolean;
  /** Stops the process (SIGKILL: like a crash, no save). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/**
 * Starts `redis-server` (from `$REDIS_SERVER`, else the PATH; Debian's package `redis-server`) on
 * a free loopback port, without persistence, and waits until it accepts connections. A missing
 * binary is an error, never a skipped test.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "node:net";
 * import { startRedisServer } from "@guacstream/tunnel-redis/testing";
 *
 * const redis = await startRedisServer();
 * try {
 *   const reply = await new Promise<string>((resolve) => {
 *     const socket = connect(redis.port, "127.0.0.1", () => socket.write("PING\r\n"));
 *     socket.once("data", (data) => { resolve(data.toString()); socket.destroy(); });
 *   });
 *   assert.equal(reply, "+PONG\r\n");
 * } finally {
 *   await redis.stop();
 * }
 * ```
 */
export async function startRedisServer(): Promise<RunningRedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    if (child !== undefined) return;
    const binary = process.env.REDIS_SERVER ?? "redis-server";
    const proc = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (data: Buffer): void => {
        output += data.toString();
        if (output.includes("Ready to accept connections")) resolve();
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      proc.once("error", (error) =>
        reject(
          new Error(`Cannot start ${binary} (apt-get install redis-server): ${error.message}`),
        ),
      );
      proc.once("exit", (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    }).catch((error: unknown) => {
      child = undefined;
      throw error;
    });
    proc.stdout!.resume();
    proc.stderr!.resume();
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    async stop() {
      const proc = child;
      if (proc === undefined) return;
      child = undefined;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGKILL");
      await exited;
    },
    start,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
