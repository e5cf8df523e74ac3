/**
 * Where the end-to-end bench connects. By default the guacd simulator in a child process
 * (`sim-child.ts`) on loopback, so the measured process holds only the client; with `GUACD_HOST`
 * set, that guacd, unchanged: `GUACD_PORT` (4822), `GUACD_PROTOCOL` (vnc), `GUACD_PARAMS` (JSON
 * connection parameters), `GUACD_SECONDS` (how long a session reads a live guacd, which does not
 * end a session by itself; default 5).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { HOLD_HOSTNAME, REPLAY_RECORDING, type SessionRequest } from "./handshake.ts";

export interface E2eTarget {
  /** Printed with the results. */
  readonly description: string;
  readonly host: string;
  readonly port: number;
  readonly simulator: boolean;
  /** A session that streams a desktop. */
  readonly replay: SessionRequest;
  /** A session that is cheap to open and then idle. */
  readonly hold: SessionRequest;
  /** A live guacd never ends a session: each reads this long, then closes. Unset: read to the end. */
  readonly sessionMs: number | undefined;
  /** Environment for a child bench process (the Deno one) to reach the same target. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export const REPO_ROOT: string = fileURLToPath(new URL("../../../", import.meta.url));

/** Node flags that run a bench `.ts` file on the packages' sources. */
export const TSX_FLAGS: readonly string[] = ["--import", "tsx", "--conditions=@guacstream/source"];

/**
 * The guacd simulator as a child process; resolves once it listens. `guacdLikeCap`: its
 * guacd-like mode with that session cap, instead of the firehose.
 */
export async function startSimulatorProcess(
  guacdLikeCap?: number,
): Promise<{ port: number; child: ChildProcess }> {
  const script = fileURLToPath(new URL("./simulator-child.ts", import.meta.url));
  const extra = guacdLikeCap === undefined ? [] : ["--guacd-like", String(guacdLikeCap)];
  const child = spawn(process.execPath, [...TSX_FLAGS, script, ...extra], {
    cwd: REPO_ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (data: Buffer) => {
      out += data;
      const match = /port (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) =>
      reject(new Error(`Cannot start the simulator: it exited with ${code}`)),
    );
    child.once("error", reject);
  });
  return { port, child };
}

export async function openTarget(): Promise<E2eTarget> {
  const host = process.env.GUACD_HOST;
  if (host !== undefined && host !== "") {
    const port = Number(process.env.GUACD_PORT ?? 4822);
    const protocol = process.env.GUACD_PROTOCOL ?? "vnc";
    const parameters = JSON.parse(process.env.GUACD_PARAMS ?? "{}") as Record<string, unknown>;
    const params = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, String(v)]));
    const seconds = Number(process.env.GUACD_SECONDS ?? 5);
    const request = { protocol, parameters: params };
    return {
      description: `guacd at ${host}:${port} (GUACD_HOST), ${protocol}, parameters ${JSON.stringify(params)}, ${seconds} s per session`,
      host,
      port,
      simulator: false,
      replay: request,
      hold: request,
      sessionMs: seconds * 1000,
      env: {
        GUACD_HOST: host,
        GUACD_PORT: String(port),
        GUACD_PROTOCOL: protocol,
        GUACD_PARAMS: JSON.stringify(params),
        GUACD_SECONDS: String(seconds),
      },
      close: async () => {},
    };
  }
  const { port, child } = await startSimulatorProcess();
  return {
    description: `guacd simulator in a child process on 127.0.0.1:${port} (${REPLAY_RECORDING}, fast pace; set GUACD_HOST for a real guacd)`,
    host: "127.0.0.1",
    port,
    simulator: true,
    replay: { protocol: "vnc", parameters: { hostname: "desktop", port: "5900" } },
    hold: { protocol: "vnc", parameters: { hostname: HOLD_HOSTNAME, port: "5900" } },
    sessionMs: undefined,
    env: { GUACD_HOST: "127.0.0.1", GUACD_PORT: String(port), GUACD_SIMULATOR: "1" },
    close: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin!.end();
      await exited;
    },
  };
}
