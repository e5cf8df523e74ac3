// A Node broker: node:http serves the demo page and /metrics, `ws` accepts the tunnel, and
// @guacstream/tunnel does the rest. guacd is several (GUACD_ENDPOINTS), one (GUACD_HOST/
// GUACD_PORT), or the guacd simulator started here; REDIS_URL shares state between brokers.
import { createWriteStream, mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dirname, join, resolve } from "node:path";
import { Writable } from "node:stream";
import {
  recordingFileName,
  requestPolicy,
  shouldRecord,
} from "@guacstream/example-demo-page/policy";
import { demoHandler, demoProfiles } from "@guacstream/example-demo-page/server";
import {
  type RunningGuacdSimulator,
  type StartGuacdSimulatorOptions,
  startGuacdSimulator,
} from "@guacstream/guacd-sim/node";
import { connect } from "@guacstream/transport-node";
import {
  type AcceptTunnelOptions,
  acceptTunnel,
  type BridgeResult,
  type BrowserSetting,
  type ConnectionSettings,
  GUACAMOLE_SUBPROTOCOL,
  type GuacdEndpoint,
  generateTokenSecret,
  type HealthCheckOptions,
  importTokenKey,
  MetricsRegistry,
  type TunnelEvent,
  type TunnelInfo,
} from "@guacstream/tunnel";
import { WebSocketServer } from "ws";
import { type ScaleOut, setUpScaleOut } from "./scale.ts";

/** Options of {@link startNodeBroker}. */
export interface NodeBrokerOptions {
  /** Interface to listen on. @default {"127.0.0.1"} */
  host?: string;
  /** Port; 0 picks a free one. @default {8080} */
  port?: number;
  /** guacd to use; without it (and without `guacdEndpoints`) the guacd simulator is started. */
  guacd?: { host: string; port: number };
  /** Several guacd, in a pool (least sessions, health checks, failover); replaces `guacd`. */
  guacdEndpoints?: readonly GuacdEndpoint[];
  /** Health checks of `guacdEndpoints`. @default {{ interval: 5000 }} */
  health?: HealthCheckOptions;
  /** Redis or Valkey for the replay guard and the session registry, shared by several brokers. */
  redisUrl?: string;
  /** This broker's name in the session registry. @default {a random UUID} */
  brokerId?: string;
  /** Where pool and store trouble is logged. */
  log?: (line: string) => void;
  /** Options for the simulator started when `guacd` is not given. */
  simulator?: StartGuacdSimulatorOptions;
  /** The token secret (base64url, 32 bytes); a fresh one if unset (demo tokens only). */
  secret?: string;
  /** Settings the browser may choose. @default {["width","height","dpi","timezone","image","audio"]} */
  allow?: readonly BrowserSetting[];
  /** Serve `/demo/token` for these connections. @default {demoProfiles(undefined)} */
  profiles?: Record<string, ConnectionSettings>;
  /** Record each session into `<dir>/<connection id>-<tunnel uuid>.guac` (created, never overwritten). */
  recordingDir?: string;
  /** Record joiners too, each into its own file. @default {false} */
  recordJoins?: boolean;
  /** `Host` headers answered (`name:port`, or `"*"`). @default {the listening address; loopback: localhost, 127.0.0.1, [::1]} */
  hosts?: readonly string[];
  /** `Origin`s allowed to open tunnels and fetch tokens. @default {the page's own origin} */
  origins?: readonly string[];
  /** Options passed to every tunnel (caps, timeouts). */
  tunnel?: Partial<Pick<AcceptTunnelOptions, TunnelLimitName>>;
  /** Called at each step of each tunnel. */
  onEvent?: (event: TunnelEvent) => void;
  /** Called with what went wrong in a request the broker refused (the client only sees a fixed text). */
  onError?: (where: string, error: unknown) => void;
}

type TunnelLimitName =
  | "maxInputBytes"
  | "maxInstructionsPerMessage"
  | "maxMessagesPerSecond"
  | "idleTimeout"
  | "handshakeTimeout"
  | "maxTokenLifetime"
  | "joinReadOnly";

/** A running broker. */
export interface NodeBroker {
  /** The page to open. */
  readonly url: string;
  readonly port: number;
  /** The simulator, when the broker started one. */
  readonly simulator: RunningGuacdSimulator | undefined;
  /** Tunnels currently open. */
  readonly active: number;
  /** Results of the tunnels that ended. */
  readonly results: readonly BridgeResult[];
  /** The pool, the stores and the metrics. */
  readonly scale: ScaleOut;
  close(): Promise<void>;
}

export const DEFAULT_ALLOW: readonly BrowserSetting[] = [
  "width",
  "height",
  "dpi",
  "timezone",
  "image",
  "audio",
];

export async function startNodeBroker(options: NodeBrokerOptions = {}): Promise<NodeBroker> {
  const pooled = options.guacdEndpoints !== undefined && options.guacdEndpoints.length > 0;
  const simulator =
    options.guacd === undefined && !pooled
      ? await startGuacdSimulator(options.simulator ?? {})
      : undefined;
  const guacd = options.guacd ?? { host: simulator?.host ?? "", port: simulator?.port ?? 0 };
  const key = await importTokenKey(options.secret ?? generateTokenSecret());
  const scale = setUpScaleOut({
    ...(pooled ? { endpoints: options.guacdEndpoints } : {}),
    ...(options.health === undefined ? {} : { health: options.health }),
    ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
    ...(options.brokerId === undefined ? {} : { brokerId: options.brokerId }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const { replay, metrics } = scale;
  const demo = demoHandler({
    key,
    profiles: options.profiles ?? demoProfiles(undefined),
    readFile: (url) => readFile(url),
  });
  const results: BridgeResult[] = [];
  let active = 0;
  const recordingDir =
    options.recordingDir === undefined ? undefined : resolve(options.recordingDir);
  if (recordingDir !== undefined) mkdirSync(recordingDir, { recursive: true });
  const onError = options.onError ?? (() => {});
  const host = options.host ?? "127.0.0.1";
  let policy: ReturnType<typeof requestPolicy> = () => ({ status: 403, text: "Not ready\n" });

  const server = createServer((req, res) => void serve(req, res));
  // A request that trickles its headers (slowloris) is cut, not held.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = requestUrl(req);
      if (url === undefined) {
        res.writeHead(400, { "content-type": "text/plain" }).end("Bad request\n");
        return;
      }
      if (url.pathname === "/metrics" || url.pathname === "/demo/token") {
        const refusal = policy(headersOf(req), false);
        if (refusal !== undefined) {
          res.writeHead(refusal.status, { "content-type": "text/plain" }).end(refusal.text);
          return;
        }
      }
      if (url.pathname === "/metrics") {
        res.writeHead(200, { "content-type": MetricsRegistry.contentType }).end(metrics.render());
        return;
      }
      const response = await demo(new Request(url, { method: req.method ?? "GET" }));
      if (response === undefined) {
        res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
        return;
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      res.writeHead(response.status, headers);
      res.end(new Uint8Array(await response.arrayBuffer()));
    } catch (error) {
      onError("http", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("Internal error\n");
    }
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1 << 20,
    handleProtocols: (offered) =>
      offered.has(GUACAMOLE_SUBPROTOCOL) ? GUACAMOLE_SUBPROTOCOL : false,
  });
  wss.on("error", (error) => onError("websocket server", error));
  server.on("clientError", (error, socket) => {
    onError("http client", error);
    socket.destroy();
  });
  server.on("upgrade", (req, socket: Socket, head) => {
    socket.on("error", (error) => onError("upgrade socket", error));
    try {
      const url = requestUrl(req);
      if (url === undefined || url.pathname !== "/tunnel")
        return refuseUpgrade(socket, 404, "Not found\n");
      const refusal = policy(headersOf(req), true);
      if (refusal !== undefined) return refuseUpgrade(socket, refusal.status, refusal.text);
      wss.handleUpgrade(req, socket, head, (ws) => {
        active++;
        ws.on("error", (error) => onError("websocket", error));
        void acceptTunnel(ws, url, {
          key,
          replay,
          allow: options.allow ?? DEFAULT_ALLOW,
          // ws sends bytes as a text message: guacd's ASCII output goes out without decoding.
          bytesAsText: true,
          ...(scale.pool === undefined
            ? { connect: () => connect({ host: guacd.host, port: guacd.port, timeout: 10_000 }) }
            : { pool: scale.pool, sessions: scale.sessions }),
          ...options.tunnel,
          onEvent: (event) => {
            metrics.observe(event);
            options.onEvent?.(event);
          },
          ...(recordingDir === undefined
            ? {}
            : {
                record: (info) => recordingSink(recordingDir, info, options.recordJoins === true),
              }),
        })
          .then((result) => void results.push(result))
          .catch((error: unknown) => onError("tunnel", error))
          .finally(() => {
            active--;
          });
      });
    } catch (error) {
      onError("upgrade", error);
      refuseUpgrade(socket, 400, "Bad request\n");
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, options.host ?? "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  policy = requestPolicy({ host, port, hosts: options.hosts, origins: options.origins });

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    port,
    simulator,
    get active() {
      return active;
    },
    results,
    scale,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await simulator?.close();
      await scale.close();
    },
  };
}

/** The request's URL, or `undefined` if its target is not a path (`//`, `http://…`, garbage). */
function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? "/";
  if (!target.startsWith("/") || target.startsWith("//")) return undefined;
  try {
    return new URL(target, "http://broker");
  } catch {
    return undefined;
  }
}

function headersOf(req: IncomingMessage): { host: string | null; origin: string | null } {
  return { host: req.headers.host ?? null, origin: req.headers.origin ?? null };
}

function refuseUpgrade(socket: Socket, status: number, text: string): void {
  const reason = status === 403 ? "Forbidden" : status === 404 ? "Not Found" : "Bad Request";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  );
}

/**
 * A new file for one tunnel's recording, or `undefined` (a joiner, unless `recordJoins`). Created
 * exclusively (`wx`: an existing file is an error, never truncated) inside `dir` whatever guacd
 * named its connection; an I/O error ends that session (RECORDING_FAILED), not the process.
 */
function recordingSink(
  dir: string,
  info: TunnelInfo,
  recordJoins: boolean,
): WritableStream<Uint8Array> | undefined {
  if (!shouldRecord(info, recordJoins)) return undefined;
  const path = join(dir, recordingFileName(info));
  if (dirname(resolve(path)) !== dir) throw new Error(`Cannot record outside ${dir}: ${path}`);
  return Writable.toWeb(createWriteStream(path, { flags: "wx" })) as WritableStream<Uint8Array>;
}
