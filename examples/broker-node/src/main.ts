// Run: `pnpm --filter @guacstream/example-broker-node start` (or `npx tsx
// --conditions=@guacstream/source examples/broker-node/src/main.ts`), then open the printed URL.
// Environment (both example brokers read it through examples/demo-page/config.ts):
// PORT (8080), HOST (127.0.0.1; a wildcard such as 0.0.0.0 needs ALLOWED_HOSTS), GUACD_HOST/
// GUACD_PORT (else the simulator), GUACSTREAM_TOKEN_SECRET (else a fresh one), ALLOWED_HOSTS /
// ALLOWED_ORIGINS (comma-separated; default: the listening address's names, and http(s):// with
// each). DEMO_TOKENS=1 serves /demo/token (off by default; with a real guacd and a secret it also
// needs DEMO_TOKENS_WITH_REAL_GUACD=1), GUACD_CONNECTION (JSON settings for demo tokens).
// The admin listener: METRICS_HOST (127.0.0.1) / METRICS_PORT (9464) serve /metrics (METRICS_TOKEN
// as a bearer token; required off loopback) and, with ADMIN_TOKEN, POST /admin/drain.
// Caps: MAX_TUNNELS (1000), MAX_TUNNELS_PER_CLIENT (16), NEW_TUNNELS_PER_MINUTE (60), CLIENT_KEY
// (address, or user: the token's user claim), ABUSE_COOLDOWN_MS (10000: no new tunnel for a
// client whose tunnel was cut for breaking a bound), MAX_CONNECTIONS_PER_SECOND (20 per address,
// twice that at once; past it a connection is closed as it is accepted). Bounds: MAX_MESSAGE_BYTES (65536), CLOSE_GRACE_MS
// (1000), HEADERS_TIMEOUT_MS (10000), KEEP_ALIVE_TIMEOUT_MS (5000). DRAIN_GRACE_MS (30000): how
// long the open tunnels may run on after SIGTERM or SIGINT.
// Recording (see README.md): RECORDING_DIR (a .guac per session), RECORD_JOINS=1, RECORD_KEYS=1
// (keys can be passwords), RECORDING_MAX_BYTES, RECORDING_MIN_FREE_BYTES, RECORDING_METADATA=0,
// and SERVE_RECORDINGS=1 with RECORDINGS_TOKEN for the player.
// Scale-out: GUACD_ENDPOINTS (several guacd: `[id=]host:port,...` or JSON with weights and
// labels), GUACD_HEALTH_INTERVAL (ms, 5000), REDIS_URL (share the replay guard and the session
// registry with other brokers), BROKER_ID (this broker's name there).
import { brokerConfig } from "@guacstream/example-demo-page/config";
import { parseEndpoints } from "@guacstream/example-demo-page/endpoints";
import { demoProfiles } from "@guacstream/example-demo-page/server";
import { TunnelError } from "@guacstream/tunnel";
import { startNodeBroker } from "./broker.ts";

const env = process.env;
let config: ReturnType<typeof brokerConfig>;
try {
  config = brokerConfig(env);
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
  process.exit(2);
}
const broker = await startNodeBroker({
  host: config.host,
  port: config.port,
  ...(env.GUACD_HOST === undefined
    ? {}
    : { guacd: { host: env.GUACD_HOST, port: Number(env.GUACD_PORT ?? 4822) } }),
  ...(env.GUACD_ENDPOINTS === undefined
    ? {}
    : { guacdEndpoints: parseEndpoints(env.GUACD_ENDPOINTS) }),
  ...(env.GUACD_HEALTH_INTERVAL === undefined
    ? {}
    : { health: { interval: Number(env.GUACD_HEALTH_INTERVAL) } }),
  ...(env.REDIS_URL === undefined ? {} : { redisUrl: env.REDIS_URL }),
  ...(env.BROKER_ID === undefined ? {} : { brokerId: env.BROKER_ID }),
  log: (line) => console.log(line),
  ...(env.GUACSTREAM_TOKEN_SECRET === undefined ? {} : { secret: env.GUACSTREAM_TOKEN_SECRET }),
  ...(config.recording === undefined
    ? {}
    : {
        recordingDir: config.recording.dir,
        recordJoins: config.recording.joins,
        recorder: config.recording,
        ...(config.recording.serveToken === undefined
          ? {}
          : { recordingsToken: config.recording.serveToken }),
      }),
  hosts: config.hosts,
  origins: config.origins,
  demoTokens: config.demoTokens,
  admin: {
    host: config.admin.host,
    port: config.admin.port,
    ...(config.admin.metricsToken === undefined ? {} : { metricsToken: config.admin.metricsToken }),
    ...(config.admin.adminToken === undefined ? {} : { adminToken: config.admin.adminToken }),
  },
  limits: config.limits,
  clientKey: config.clientKey,
  maxMessageBytes: config.maxMessageBytes,
  closeGrace: config.closeGrace,
  headersTimeout: config.headersTimeout,
  keepAliveTimeout: config.keepAliveTimeout,
  connectionsPerSecond: config.connectionsPerSecond,
  onError: (where, error) => console.error(`refused (${where}): ${String(error)}`),
  profiles: demoProfiles(env.GUACD_CONNECTION),
  onEvent: (event) => {
    if (event.type === "refused") {
      // The detail (e.g. why the replay store failed) stays in the server's log.
      const cause = event.error?.cause instanceof Error ? `: ${event.error.cause.message}` : "";
      console.log(`tunnel refused: ${event.code} (${event.closeCode})${cause}`);
    } else if (event.type === "failed") console.log(`tunnel failed: ${event.error.message}`);
    else if (event.type === "open") console.log(`tunnel open: ${event.info.connectionId}`);
    else {
      const { closeCode, error } = event.result;
      const why = error === undefined ? "" : `: ${error.message}`;
      console.log(`tunnel closed: ${event.info.connectionId} (${closeCode})${why}`);
    }
  },
});
const pool = broker.scale.pool;
const guacd =
  pool !== undefined
    ? `${pool.endpoints.length} guacd (${pool.endpoints.map((e) => e.id).join(", ")})`
    : broker.simulator === undefined
      ? `guacd at ${env.GUACD_HOST}:${env.GUACD_PORT ?? 4822}`
      : `the guacd simulator at ${broker.simulator.address}`;
const store = env.REDIS_URL === undefined ? "in memory" : "in Redis";
console.log(`guacstream Node broker using ${guacd}, replay guard and sessions ${store}`);
console.log(`Metrics ${broker.metricsUrl}`);
if (config.recording?.serveToken !== undefined) console.log(`Recordings ${broker.url}player.html`);
console.log(`Open ${broker.url}`);

// The first SIGTERM or SIGINT drains: no new tunnel (refused as the admin drain refuses), the
// open ones run on for DRAIN_GRACE_MS, then are closed with 513 Server draining. A second signal
// closes them at once.
const drainingError = () =>
  new TunnelError("DRAINING", "Cannot keep tunnel: the broker is shutting down");
let signalled = false;
let exiting = false;
const exit = (): void => {
  if (exiting) return;
  exiting = true;
  void broker.close().then(() => process.exit(0));
};
const onSignal = (): void => {
  if (signalled) {
    // The drain below exits once the ended tunnels are gone; this bounds it if one hangs.
    broker.endTunnels(drainingError());
    setTimeout(exit, config.closeGrace + 1000);
    return;
  }
  signalled = true;
  console.log(`draining: ${broker.limiter.active} tunnel(s) open`);
  const grace = setTimeout(() => broker.endTunnels(drainingError()), config.drainGrace);
  void broker.limiter.drain().then(() => {
    clearTimeout(grace);
    console.log("drained");
    exit();
  });
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
