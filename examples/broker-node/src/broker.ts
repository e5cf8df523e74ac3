// A Node broker: node:http serves the demo page and /metrics, `ws` accepts the tunnel, and
// @guacstream/tunnel does the rest. guacd is several (GUACD_ENDPOINTS), one (GUACD_HOST/
// GUACD_PORT), or the guacd simulator started here; REDIS_URL shares state between brokers.
import { setMaxListeners } from "node:events";
import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { clientKeyOf, hasBearer } from "@guacstream/example-demo-page/config";
import { ConnectionRate } from "@guacstream/example-demo-page/connection-rate";
import { FrameBounds } from "@guacstream/example-demo-page/frame-bounds";
import { requestPolicy } from "@guacstream/example-demo-page/policy";
import { recordingFolder } from "@guacstream/example-demo-page/recording-folder";
import { recordingsHandler } from "@guacstream/example-demo-page/recordings";
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
  type OpenedToken,
  openTunnelToken,
  TunnelError,
  type TunnelEvent,
  TunnelLimiter,
  type TunnelLimiterOptions,
} from "@guacstream/tunnel";
import { MetricsRegistry } from "@guacstream/tunnel/metrics";
import { WebSocket, WebSocketServer } from "ws";
import { type RecorderSettings, recordingSink } from "./recordings.ts";
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
  /** Serve `/demo/token` (POST, own Origin only): anyone who reaches it gets a token. @default {false} */
  demoTokens?: boolean;
  /** The connections `/demo/token` offers. @default {demoProfiles(undefined)} */
  profiles?: Record<string, ConnectionSettings>;
  /**
   * The admin listener, apart from the page's: `/metrics` (a bearer token if `metricsToken`) and
   * `POST /admin/drain` (only with `adminToken`). @default {{ host: "127.0.0.1", port: 9464 }}
   */
  admin?: { host?: string; port?: number; metricsToken?: string; adminToken?: string };
  /** Caps on tunnels (all, per client, new per client per minute). */
  limits?: TunnelLimiterOptions;
  /** What a client is for the caps: its address, or the token's `user` claim. @default {"address"} */
  clientKey?: "address" | "user";
  /** Largest WebSocket message in bytes (`ws`'s `maxPayload`). @default {65536} */
  maxMessageBytes?: number;
  /** Milliseconds a closed socket waits for the peer's close frame. @default {1000} */
  closeGrace?: number;
  /** Milliseconds to receive a request's headers before the connection is cut. @default {10000} */
  headersTimeout?: number;
  /** Milliseconds an idle keep-alive connection is kept. @default {5000} */
  keepAliveTimeout?: number;
  /**
   * New connections a second one address may open (twice as many at once); past it a connection
   * is closed as it is accepted. @default {20}
   */
  connectionsPerSecond?: number;
  /** Record each session into `<dir>/<connection id>-<tunnel uuid>.guac` (created, never overwritten). */
  recordingDir?: string;
  /** Record joiners too, each into its own file. @default {false} */
  recordJoins?: boolean;
  /**
   * Each recording's settings: the browser's keys (off by default: they can be passwords), the
   * byte cap, the free-space floor, the sidecar.
   * @default {{ includeKeys: false, maxBytes: 1 GiB, minFreeBytes: 512 MiB, metadata: true }}
   */
  recorder?: Partial<RecorderSettings>;
  /**
   * Serve `/recordings` (the list, from the sidecars) and `/recordings/<id>` (one `.guac`) on the
   * page's listener to requests carrying this bearer token, for the player. Needs `recordingDir`.
   * @default {undefined: not served}
   */
  recordingsToken?: string;
  /** `Host` headers answered (`name:port`); required with a wildcard `host`. @default {the listening address; loopback: localhost, 127.0.0.1, [::1]} */
  hosts?: readonly string[] | undefined;
  /** `Origin`s allowed to open tunnels and fetch tokens. @default {http(s):// and each answered host} */
  origins?: readonly string[] | undefined;
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
  | "maxInstructionsPerSecond"
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
  /** The admin listener's `/metrics` URL. */
  readonly metricsUrl: string;
  /** The caps, and the drain. */
  readonly limiter: TunnelLimiter;
  /** Ends every open tunnel with `reason`'s status and close code (`DRAINING`: a drain's grace). */
  endTunnels(reason: TunnelError): void;
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
  const host = options.host ?? "127.0.0.1";
  // Checked before anything starts: a wildcard bind without a Host list throws here.
  const policyOf = (port: number) =>
    requestPolicy({ host, port, hosts: options.hosts, origins: options.origins });
  if (options.port !== undefined && options.port !== 0) policyOf(options.port);
  else if (options.hosts === undefined) policyOf(1);
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
  const limiter = new TunnelLimiter(options.limits ?? {});
  const demo = demoHandler({
    key,
    profiles: options.profiles ?? demoProfiles(undefined),
    readFile: (url) => readFile(url),
  });
  const results: BridgeResult[] = [];
  let active = 0;
  // Aborted (and replaced) by endTunnels: each tunnel takes the one current when it opens, and
  // listens on it while it runs, so it has as many listeners as tunnels are open.
  const unbounded = (): AbortController => {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  };
  let ending = unbounded();
  const recordingDir =
    options.recordingDir === undefined ? undefined : resolve(options.recordingDir);
  if (recordingDir !== undefined) mkdirSync(recordingDir, { recursive: true });
  const recorder: RecorderSettings = {
    includeKeys: options.recorder?.includeKeys ?? false,
    maxBytes: options.recorder?.maxBytes ?? 1024 * 1024 * 1024,
    minFreeBytes: options.recorder?.minFreeBytes ?? 512 * 1024 * 1024,
    metadata: options.recorder?.metadata ?? true,
  };
  if (options.recordingsToken !== undefined && recordingDir === undefined) {
    throw new Error("Cannot serve recordings: no recordingDir");
  }
  const recordings =
    options.recordingsToken === undefined || recordingDir === undefined
      ? undefined
      : recordingsHandler({
          token: options.recordingsToken,
          folder: recordingFolder(recordingDir),
          onError: (error) => onError("recordings", error),
        });
  const onError = options.onError ?? (() => {});
  const log = options.log ?? (() => {});
  const closeGrace = options.closeGrace ?? 1000;
  const headersTimeout = options.headersTimeout ?? 10_000;
  let policy: ReturnType<typeof requestPolicy> = () => ({ status: 403, text: "Not ready\n" });

  const server = createServer({
    // A request that trickles its headers (slowloris) is cut within a quarter second of the
    // bound: Node checks these timeouts every `connectionsCheckingInterval` (30 s by default).
    connectionsCheckingInterval: 250,
    headersTimeout,
    requestTimeout: headersTimeout + 5000,
    keepAliveTimeout: options.keepAliveTimeout ?? 5000,
  });
  const connectionRate = new ConnectionRate({ perSecond: options.connectionsPerSecond ?? 20 });
  server.on("connection", (socket: Socket) => {
    if (!connectionRate.take(socket.remoteAddress ?? "unknown")) socket.destroy();
  });
  server.on("request", (req, res) => void serve(req, res));
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = requestUrl(req);
      if (url === undefined) {
        res.writeHead(400, { "content-type": "text/plain" }).end("Bad request\n");
        return;
      }
      const isToken = url.pathname === "/demo/token";
      const refusal = policy(headersOf(req), isToken);
      if (refusal !== undefined) {
        res.writeHead(refusal.status, { "content-type": "text/plain" }).end(refusal.text);
        return;
      }
      if (isToken && options.demoTokens !== true) {
        res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
        return;
      }
      const method = req.method ?? "GET";
      const authorization = req.headers.authorization;
      const request = new Request(url, {
        method,
        ...(authorization === undefined ? {} : { headers: { authorization } }),
      });
      // Without the option the recordings' paths are as unknown as any other.
      const response = (await recordings?.(request)) ?? (await demo(request));
      if (response === undefined) {
        res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
        return;
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      res.writeHead(response.status, headers);
      // Streamed with back-pressure: a recording can be a gigabyte.
      if (response.body === null || method === "HEAD") res.end();
      else await pipeline(Readable.fromWeb(response.body as never), res);
    } catch (error) {
      onError("http", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("Internal error\n");
    }
  }

  const wsOptions = {
    noServer: true,
    // Browsers never send WebSocket pings; answering them would queue pongs for a peer that may
    // never read. They are counted instead (see `limitPings`).
    autoPong: false,
    perMessageDeflate: false,
    handleProtocols: (offered: Set<string>) =>
      offered.has(GUACAMOLE_SUBPROTOCOL) ? GUACAMOLE_SUBPROTOCOL : false,
  } as const;
  // `maxPayload` bounds a message's bytes and so its fragments (ws keeps one object per
  // fragment): at 64 KiB, a 1-byte fragment flood holds a few MiB at most, for a token holder.
  const wss = new WebSocketServer({ ...wsOptions, maxPayload: options.maxMessageBytes ?? 65536 });
  // A refused request is closed with its status at once; it may send next to nothing meanwhile.
  const refusals = new WebSocketServer({ ...wsOptions, maxPayload: 1024 });
  let refusing = 0;
  for (const w of [wss, refusals]) w.on("error", (error) => onError("websocket server", error));
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
      const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(/\s*,\s*/);
      if (!offered.includes(GUACAMOLE_SUBPROTOCOL)) {
        return refuseUpgrade(socket, 400, "The guacamole subprotocol is required\n");
      }
      void admit(req, socket, head, url);
    } catch (error) {
      onError("upgrade", error);
      refuseUpgrade(socket, 400, "Bad request\n");
    }
  });

  /**
   * The token and the caps are checked before the upgrade: a request without a valid token, or
   * over a cap, gets a WebSocket that is closed with its status at once and never read.
   */
  async function admit(req: IncomingMessage, socket: Socket, head: Buffer, url: URL) {
    const address = socket.remoteAddress ?? "unknown";
    let token: OpenedToken | undefined;
    let lease: ReturnType<TunnelLimiter["admit"]> | undefined;
    let refusal: TunnelError | undefined;
    try {
      // By address, the caps come first: a flood of bad tokens costs no decryption either.
      if (options.clientKey !== "user")
        lease = limiter.admit(clientKeyOf("address", address, undefined));
      token = await openTunnelToken(url, { key, replay, ...tokenLimits(options) });
      if (options.clientKey === "user")
        lease = limiter.admit(clientKeyOf("user", address, token.user));
    } catch (error) {
      lease?.release();
      lease = undefined;
      refusal =
        error instanceof TunnelError
          ? error
          : new TunnelError("INTERNAL", "Cannot admit tunnel", { cause: error });
    }
    if (socket.destroyed) {
      lease?.release();
      return;
    }
    if (refusal !== undefined) {
      // Refusal sockets are few and short-lived; past a bound, a plain HTTP refusal.
      if (refusing >= 256) {
        metrics.observe({
          type: "refused",
          code: refusal.code,
          status: refusal.status,
          closeCode: refusal.closeCode,
          error: refusal,
        });
        return refuseUpgrade(socket, 503, "Busy\n");
      }
      refusing++;
    }
    (refusal === undefined ? wss : refusals).handleUpgrade(req, socket, head, (ws) => {
      active++;
      // Cut for breaking a bound, here or in the bridge: the client's lease ends in a cooldown.
      let abuse = false;
      // Ahead of ws's own reader: a message over 1024 fragments (ws keeps an object for each)
      // or pings faster than a browser sends them cut the connection before ws buffers more.
      const frames = new FrameBounds();
      const maxBytes = refusal === undefined ? (options.maxMessageBytes ?? 65536) : 1024;
      socket.prependListener("data", (chunk: Buffer) => {
        const fault = frames.push(chunk, maxBytes, 1024, 10);
        if (fault !== undefined && !socket.destroyed) {
          onError("websocket frames", new Error(fault));
          abuse = true;
          socket.destroy();
        }
      });
      ws.on("error", (error) => onError("websocket", error));
      void acceptTunnel(ws, url, {
        key,
        replay,
        allow: options.allow ?? DEFAULT_ALLOW,
        // ws sends bytes as a text message: guacd's ASCII output goes out without decoding.
        bytesAsText: true,
        closeGrace,
        signal: ending.signal,
        ...(scale.pool === undefined
          ? { connect: () => connect({ host: guacd.host, port: guacd.port, timeout: 10_000 }) }
          : { pool: scale.pool, sessions: scale.sessions }),
        ...options.tunnel,
        ...(refusal === undefined ? { token: token! } : { refusal }),
        onEvent: (event) => {
          metrics.observe(event);
          options.onEvent?.(event);
        },
        ...(recordingDir === undefined
          ? {}
          : {
              record: (info) =>
                recordingSink(recordingDir, info, options.recordJoins === true, recorder),
            }),
      })
        .then((result) => {
          results.push(result);
          if (result.error instanceof TunnelError && result.error.isAbuse) abuse = true;
        })
        .catch((error: unknown) => onError("tunnel", error))
        .finally(() => {
          active--;
          lease?.release(abuse ? "abuse" : undefined);
          if (refusal !== undefined) refusing--;
        });
    });
  }

  // The admin listener: /metrics and the drain, off the page's listener (loopback by default).
  const admin = options.admin ?? {};
  const adminHost = admin.host ?? "127.0.0.1";
  let adminPolicy: ReturnType<typeof requestPolicy> = () => ({ status: 403, text: "Not ready\n" });
  const adminServer = createServer(
    { connectionsCheckingInterval: 250, headersTimeout, requestTimeout: headersTimeout + 5000 },
    (req, res) => {
      const url = requestUrl(req);
      const reply = (status: number, body: string, type = "text/plain") =>
        void res.writeHead(status, { "content-type": type, "cache-control": "no-store" }).end(body);
      if (url === undefined) return reply(400, "Bad request\n");
      // Browsers have no business here: any Origin (and a rebound Host without a token) is refused.
      if (req.headers.origin !== undefined) return reply(403, "Forbidden origin\n");
      const authorization = req.headers.authorization;
      if (url.pathname === "/metrics") {
        if (admin.metricsToken !== undefined) {
          if (!hasBearer(authorization, admin.metricsToken)) return reply(401, "Unauthorized\n");
        } else {
          const refusal = adminPolicy(headersOf(req), false);
          if (refusal !== undefined) return reply(refusal.status, refusal.text);
        }
        return reply(200, metrics.render(), MetricsRegistry.contentType);
      }
      if (url.pathname === "/admin/drain" && admin.adminToken !== undefined) {
        if (!hasBearer(authorization, admin.adminToken)) return reply(401, "Unauthorized\n");
        if (req.method === "POST" && !limiter.draining) {
          log(`draining: no new tunnels, ${limiter.active} open`);
          void limiter.drain().then(() => log("drained: no tunnel left"));
        }
        const state = { draining: limiter.draining, active: limiter.active };
        return reply(200, `${JSON.stringify(state)}\n`, "application/json");
      }
      reply(404, "Not found\n");
    },
  );
  adminServer.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, host, resolve);
  });
  await new Promise<void>((resolve, reject) => {
    adminServer.once("error", reject);
    adminServer.listen(admin.port ?? 9464, adminHost, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const adminPort = (adminServer.address() as AddressInfo).port;
  policy = policyOf(port);
  adminPolicy = requestPolicy({ host: adminHost, port: adminPort });
  const bracket = (h: string) => (h.includes(":") ? `[${h}]` : h);

  return {
    url: `http://${bracket(host)}:${port}/`,
    port,
    metricsUrl: `http://${bracket(adminHost)}:${adminPort}/metrics`,
    limiter,
    simulator,
    get active() {
      return active;
    },
    results,
    scale,
    endTunnels(reason) {
      ending.abort(reason);
      ending = unbounded();
    },
    async close() {
      // Sockets already closing (endTunnels) get their close frame through first: the bridge
      // drops them itself within closeGrace when the peer never answers.
      const closing = [...wss.clients].filter((ws) => ws.readyState === WebSocket.CLOSING);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(closing.map((ws) => new Promise((done) => ws.once("close", done)))),
        new Promise((done) => {
          timer = setTimeout(done, closeGrace + 100);
        }),
      ]);
      clearTimeout(timer);
      for (const w of [wss, refusals]) {
        for (const client of w.clients) client.terminate();
        w.close();
      }
      for (const s of [server, adminServer]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await simulator?.close();
      await scale.close();
    },
  };
}

/** The token checks a tunnel's options carry, for the check before the upgrade. */
function tokenLimits(options: NodeBrokerOptions): { maxTokenLifetime?: number } {
  const lifetime = options.tunnel?.maxTokenLifetime;
  return lifetime === undefined ? {} : { maxTokenLifetime: lifetime };
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
  const reason =
    status === 403
      ? "Forbidden"
      : status === 404
        ? "Not Found"
        : status === 503
          ? "Service Unavailable"
          : "Bad Request";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  );
  // Not read any further, and dropped even if the peer never closes its side.
  socket.pause();
  setTimeout(() => socket.destroy(), 1000).unref();
}
