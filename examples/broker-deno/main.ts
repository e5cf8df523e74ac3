// A Deno broker: Deno.serve for the demo page, Deno.upgradeWebSocket for the tunnel,
// @guacstream/transport-deno for guacd, @guacstream/tunnel for the rest.
//
// Run: `npx deno run -A examples/broker-deno/main.ts`, then open the printed URL.
// Environment: as the Node broker (examples/broker-node/src/main.ts; both read it through
// examples/demo-page/config.ts): PORT, HOST, ALLOWED_HOSTS / ALLOWED_ORIGINS, GUACD_HOST/
// GUACD_PORT, GUACSTREAM_TOKEN_SECRET, DEMO_TOKENS (+ DEMO_TOKENS_WITH_REAL_GUACD),
// GUACD_CONNECTION, METRICS_HOST / METRICS_PORT / METRICS_TOKEN, ADMIN_TOKEN, MAX_TUNNELS,
// MAX_TUNNELS_PER_CLIENT, NEW_TUNNELS_PER_MINUTE, CLIENT_KEY, ABUSE_COOLDOWN_MS,
// MAX_CONNECTIONS_PER_SECOND (counted by the guard as it accepts), MAX_MESSAGE_BYTES, CLOSE_GRACE_MS,
// HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, GUACD_ENDPOINTS, GUACD_HEALTH_INTERVAL, REDIS_URL
// (through npm:@redis/client, loaded only when set), BROKER_ID.
// Recording, as on Node (examples/broker-node/README.md): RECORDING_DIR (a .guac per session),
// RECORD_JOINS=1, RECORD_KEYS=1 (keys can be passwords), RECORDING_MAX_BYTES (1 GiB),
// RECORDING_MIN_FREE_BYTES (512 MiB), RECORDING_METADATA=0 (no sidecar), and SERVE_RECORDINGS=1
// with RECORDINGS_TOKEN (a bearer token of at least 32 characters) for `/recordings` and the
// player (/player.html); off by default, and the broker refuses to start with a shorter token.
// Shutdown: the first SIGTERM or SIGINT drains (logs `draining: N tunnel(s) open`): new tunnels
// are refused (503, as POST /admin/drain refuses them), the open ones run on until they end or
// DRAIN_GRACE_MS (30000) passes, then are closed (1008 `513 Server draining`); the broker logs
// `drained` and exits 0. A second signal closes the open tunnels at once.
//
// What Deno does not let a broker bound (see the tunnel README): Deno.upgradeWebSocket takes no
// message-size limit (it buffers up to 64 MiB per message) and its WebSocket has no `terminate`,
// and Deno.serve has no header timeout. So this broker listens through a relay (guard.ts) that
// bounds headers, idle connections and WebSocket frames, and drops a closed socket after
// CLOSE_GRACE_MS; Deno.serve itself listens on loopback behind it. It also refuses every request
// it can before the upgrade, with a plain HTTP status: a bad token, a cap, a drain.
import { resolve } from "node:path";
import { startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { connect } from "@guacstream/transport-deno";
import {
  acceptTunnel,
  type BrowserSetting,
  GUACAMOLE_SUBPROTOCOL,
  GuacdPool,
  generateTokenSecret,
  importTokenKey,
  MemorySessionRegistry,
  type OpenedToken,
  openTunnelToken,
  ReplayGuard,
  SessionDirectory,
  type SessionRegistry,
  TunnelError,
  type TunnelEvent,
  TunnelLimiter,
  TunnelMetrics,
} from "@guacstream/tunnel";
import { MetricsRegistry } from "@guacstream/tunnel/metrics";
import { brokerConfig, clientKeyOf, hasBearer } from "../demo-page/config.ts";
import { parseEndpoints } from "../demo-page/endpoints.ts";
import { requestPolicy } from "../demo-page/policy.ts";
import { recordingFolder } from "../demo-page/recording-folder.ts";
import { recordingsHandler } from "../demo-page/recordings.ts";
import { demoHandler, demoProfiles } from "../demo-page/server.ts";
import { ConnectionGuard } from "./guard.ts";
import { recordingSink } from "./recordings.ts";

const env = Deno.env.toObject();
let config: ReturnType<typeof brokerConfig>;
try {
  config = brokerConfig(env);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  Deno.exit(2);
}
// Listened for before anything starts (a signal then just exits); the drain replaces this once
// the broker listens.
let onSignal = (): void => Deno.exit(0);
Deno.addSignalListener("SIGINT", () => onSignal());
Deno.addSignalListener("SIGTERM", () => onSignal());
const ALLOW: readonly BrowserSetting[] = ["width", "height", "dpi", "timezone", "image", "audio"];

const endpoints = env.GUACD_ENDPOINTS === undefined ? [] : parseEndpoints(env.GUACD_ENDPOINTS);
const pool =
  endpoints.length === 0
    ? undefined
    : new GuacdPool({
        endpoints,
        connect: (e, { signal, timeout }) =>
          connect({ host: e.host, port: e.port, signal, timeout }),
        health: { interval: Number(env.GUACD_HEALTH_INTERVAL ?? 5000) },
        onStateChange: (c) => console.log(`guacd ${c.endpoint}: ${c.from} -> ${c.to}`),
      });
pool?.start();
const simulator =
  env.GUACD_HOST === undefined && pool === undefined ? await startGuacdSimulator({}) : undefined;
const guacd =
  simulator === undefined
    ? { hostname: env.GUACD_HOST ?? "", port: Number(env.GUACD_PORT ?? 4822) }
    : { hostname: simulator.host, port: simulator.port };
const key = await importTokenKey(env.GUACSTREAM_TOKEN_SECRET ?? generateTokenSecret());
const metrics = new TunnelMetrics(pool === undefined ? {} : { pool });
// Redis (or Valkey) only when REDIS_URL is set: the npm client is loaded then, not before.
const redis =
  env.REDIS_URL === undefined
    ? undefined
    : await import("@guacstream/tunnel-redis").then((m) => ({
        module: m,
        connection: m.connectRedis(env.REDIS_URL!, {
          onError: (e) => console.log(`redis: ${e.message}`),
        }),
      }));
const registry: SessionRegistry =
  redis === undefined
    ? new MemorySessionRegistry()
    : new redis.module.RedisSessionRegistry(redis.connection);
const sessions = new SessionDirectory(registry, {
  ...(env.BROKER_ID === undefined ? {} : { owner: env.BROKER_ID }),
  onError: (e) => console.log(`session registry: ${String(e)}`),
  onCall: (operation, seconds, error) => metrics.registryCall(operation, seconds, error),
});
sessions.start();
const replay =
  redis === undefined
    ? new ReplayGuard()
    : new ReplayGuard({ store: new redis.module.RedisReplayStore(redis.connection) });
const demo = demoHandler({
  key,
  profiles: demoProfiles(env.GUACD_CONNECTION),
  readFile: (url) => Deno.readFile(url),
});
const recording = config.recording;
const recordingDir = recording === undefined ? undefined : resolve(recording.dir);
if (recordingDir !== undefined) await Deno.mkdir(recordingDir, { recursive: true });
// Without SERVE_RECORDINGS the recordings' paths are as unknown as any other.
const recordings =
  recordingDir === undefined || recording?.serveToken === undefined
    ? undefined
    : recordingsHandler({
        token: recording.serveToken,
        folder: recordingFolder(recordingDir),
        onError: (error) => console.error(`refused (recordings): ${String(error)}`),
      });
const listenHost = config.host;
const limiter = new TunnelLimiter(config.limits);
// Aborted to end every open tunnel (the drain's grace is over, or a second signal came).
const shutdown = new AbortController();
let policy: ReturnType<typeof requestPolicy> = () => ({ status: 403, text: "Not ready\n" });

function log(event: TunnelEvent): void {
  metrics.observe(event);
  if (event.type === "refused") console.log(`tunnel refused: ${event.code} (${event.closeCode})`);
  else if (event.type === "failed") console.log(`tunnel failed: ${event.error.message}`);
  else if (event.type === "open") console.log(`tunnel open: ${event.info.connectionId}`);
  else {
    const { closeCode, error } = event.result;
    const why = error === undefined ? "" : `: ${error.message}`;
    console.log(`tunnel closed: ${event.info.connectionId} (${closeCode})${why}`);
  }
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain" } });
}

async function handle(request: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
  try {
    return await route(request, info);
  } catch (error) {
    console.error(`refused (http): ${String(error)}`);
    return text(500, "Internal error\n");
  }
}

async function route(request: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
  const url = new URL(request.url);
  const headers = { host: request.headers.get("host"), origin: request.headers.get("origin") };
  if (url.pathname === "/tunnel") {
    const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(/\s*,\s*/);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return text(426, "WebSocket only\n");
    }
    const refusal = policy(headers, true);
    if (refusal !== undefined) return text(refusal.status, refusal.text);
    if (!offered.includes(GUACAMOLE_SUBPROTOCOL)) {
      return text(400, "The guacamole subprotocol is required\n");
    }
    return await admit(request, url, info);
  }
  const isToken = url.pathname === "/demo/token";
  const refusal = policy(headers, isToken);
  if (refusal !== undefined) return text(refusal.status, refusal.text);
  if (isToken && !config.demoTokens) return text(404, "Not found\n");
  return (await recordings?.(request)) ?? (await demo(request)) ?? text(404, "Not found\n");
}

/**
 * The token and the caps are checked before the upgrade; a refusal is a plain HTTP answer
 * (its Guacamole status in the body), since a Deno WebSocket, once open, cannot be dropped.
 */
async function admit(request: Request, url: URL, info: Deno.ServeHandlerInfo): Promise<Response> {
  const peer = info.remoteAddr.transport === "tcp" ? guard.peerOf(info.remoteAddr.port) : undefined;
  if (peer === undefined) return text(403, "Forbidden\n"); // not through the guard
  const address = peer.address;
  let token: OpenedToken | undefined;
  let lease: ReturnType<TunnelLimiter["admit"]> | undefined;
  try {
    if (config.clientKey !== "user")
      lease = limiter.admit(clientKeyOf("address", address, undefined));
    token = await openTunnelToken(url, { key, replay });
    if (config.clientKey === "user")
      lease = limiter.admit(clientKeyOf("user", address, token.user));
  } catch (error) {
    lease?.release();
    const refusal =
      error instanceof TunnelError
        ? error
        : new TunnelError("INTERNAL", "Cannot admit tunnel", { cause: error });
    log({
      type: "refused",
      code: refusal.code,
      status: refusal.status,
      closeCode: refusal.closeCode,
      error: refusal,
    });
    const status =
      refusal.code === "TOO_MANY_TUNNELS" ? 429 : refusal.code === "DRAINING" ? 503 : 403;
    return text(status, `${refusal.closeReason}\n`);
  }
  let abuse = false;
  const { socket, response } = Deno.upgradeWebSocket(request, {
    protocol: GUACAMOLE_SUBPROTOCOL,
  });
  acceptTunnel(socket, url, {
    key,
    replay,
    token,
    allow: ALLOW,
    closeGrace: config.closeGrace,
    signal: shutdown.signal,
    ...(pool === undefined
      ? { connect: () => connect({ host: guacd.hostname, port: guacd.port, timeout: 10_000 }) }
      : { pool, sessions }),
    onEvent: log,
    ...(recordingDir === undefined || recording === undefined
      ? {}
      : { record: (info) => recordingSink(recordingDir, info, recording.joins, recording) }),
  })
    .then((result) => {
      if (result.error instanceof TunnelError && result.error.isAbuse) abuse = true;
    })
    .catch((error: unknown) => console.error(`refused (tunnel): ${String(error)}`))
    .finally(() => {
      // Cut for breaking a bound, in the bridge or at the guard: the client's lease ends in a
      // cooldown.
      lease?.release(abuse || peer.brokeBound ? "abuse" : undefined);
      // Deno's WebSocket cannot be dropped; its connection can, if the peer never answers.
      setTimeout(() => peer.destroy("no answer to the close"), config.closeGrace);
    });
  return response;
}

/** The admin listener: /metrics and, with ADMIN_TOKEN, /admin/drain; loopback by default. */
let adminPolicy: ReturnType<typeof requestPolicy> = () => ({ status: 403, text: "Not ready\n" });
function serveAdmin(request: Request): Response {
  const url = new URL(request.url);
  // Browsers have no business here: any Origin is refused.
  if (request.headers.get("origin") !== null) return text(403, "Forbidden origin\n");
  const authorization = request.headers.get("authorization");
  if (url.pathname === "/metrics") {
    if (config.admin.metricsToken !== undefined) {
      if (!hasBearer(authorization, config.admin.metricsToken)) return text(401, "Unauthorized\n");
    } else {
      const refusal = adminPolicy({ host: request.headers.get("host"), origin: null }, false);
      if (refusal !== undefined) return text(refusal.status, refusal.text);
    }
    return new Response(metrics.render(), {
      headers: { "content-type": MetricsRegistry.contentType, "cache-control": "no-store" },
    });
  }
  if (url.pathname === "/admin/drain" && config.admin.adminToken !== undefined) {
    if (!hasBearer(authorization, config.admin.adminToken)) return text(401, "Unauthorized\n");
    if (request.method === "POST" && !limiter.draining) {
      console.log(`draining: no new tunnels, ${limiter.active} open`);
      void limiter.drain().then(() => console.log("drained: no tunnel left"));
    }
    return Response.json({ draining: limiter.draining, active: limiter.active });
  }
  return text(404, "Not found\n");
}

// Checked before anything listens: a wildcard bind without ALLOWED_HOSTS throws here.
if (config.port !== 0) requestPolicy({ host: listenHost, port: config.port, hosts: config.hosts });
else if (config.hosts === undefined) requestPolicy({ host: listenHost, port: 1 });
const adminServer = Deno.serve(
  {
    hostname: config.admin.host,
    port: config.admin.port,
    onListen: ({ hostname, port }) => {
      adminPolicy = requestPolicy({ host: config.admin.host, port });
      console.log(
        `Metrics http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/metrics`,
      );
    },
  },
  serveAdmin,
);
const guard = new ConnectionGuard({
  hostname: listenHost,
  port: config.port,
  headersTimeout: config.headersTimeout,
  idleTimeout: config.keepAliveTimeout,
  maxMessageBytes: config.maxMessageBytes,
  connectionsPerSecond: config.connectionsPerSecond,
  onCut: (address, why) => console.log(`connection cut: ${address}: ${why}`),
});
// Deno.serve on loopback, reached only through the guard on the public address.
const server = Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onError: (error) => {
      console.error(`refused (http): ${String(error)}`);
      return text(500, "Internal error\n");
    },
    onListen: ({ port: innerPort }) => {
      const port = guard.listen({ hostname: "127.0.0.1", port: innerPort });
      policy = requestPolicy({
        host: listenHost,
        port,
        hosts: config.hosts,
        origins: config.origins,
      });
      const where =
        pool !== undefined
          ? `${endpoints.length} guacd (${pool.endpoints.map((e) => e.id).join(", ")})`
          : simulator === undefined
            ? `guacd at ${guacd.hostname}:${guacd.port}`
            : `the guacd simulator at ${simulator.address}`;
      console.log(`guacstream Deno broker using ${where}`);
      const shown = listenHost.includes(":") ? `[${listenHost}]` : listenHost;
      if (recordings !== undefined) console.log(`Recordings http://${shown}:${port}/player.html`);
      console.log(`Open http://${shown}:${port}/`);
    },
  },
  handle,
);

let stopping: Promise<void> | undefined;
// Once, whichever asks first (the drain's end, a second signal).
const stop = (): Promise<void> =>
  (stopping ??= (async () => {
    clearTimeout(drainTimer);
    await guard.close(config.closeGrace);
    await Promise.all([server.shutdown(), adminServer.shutdown()]);
    pool?.close();
    await sessions.stop();
    await redis?.connection.close();
    await simulator?.close();
    Deno.exit(0);
  })());

// The first SIGTERM or SIGINT drains: no new tunnel (refused as the admin drain refuses them),
// the open ones run on for DRAIN_GRACE_MS, then are closed with `513 Server draining`. A second
// signal closes them at once. Either way the broker exits 0 once none is left.
let signalled = false;
let drainTimer: ReturnType<typeof setTimeout> | undefined;
const endTunnels = (): void =>
  shutdown.abort(new TunnelError("DRAINING", "Cannot keep tunnel: the broker is shutting down"));
onSignal = (): void => {
  if (signalled) {
    console.log(`closing ${limiter.active} tunnel(s) now`);
    endTunnels();
    void stop();
    return;
  }
  signalled = true;
  console.log(`draining: ${limiter.active} tunnel(s) open`);
  drainTimer = setTimeout(() => {
    console.log(`drain grace over: closing ${limiter.active} tunnel(s)`);
    endTunnels();
    // Each ends once its browser answers the close, or the bridge gives up after CLOSE_GRACE_MS.
  }, config.drainGrace);
  void limiter.drain().then(() => {
    console.log("drained");
    return stop();
  });
};
