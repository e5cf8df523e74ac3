// Run: `pnpm --filter @guacstream/example-broker-node start` (or `npx tsx
// --conditions=@guacstream/source examples/broker-node/src/main.ts`), then open the printed URL.
// Environment: PORT (8080), HOST (127.0.0.1), GUACD_HOST/GUACD_PORT (else the simulator),
// GUACSTREAM_TOKEN_SECRET (else a fresh one), GUACD_CONNECTION (JSON settings for demo tokens),
// RECORDING_DIR (record each session as a .guac file; RECORD_JOINS=1 records joiners too, each in
// its own file), ALLOWED_HOSTS / ALLOWED_ORIGINS (comma-separated; default: the listening address
// and the page's own origin). Scale-out: GUACD_ENDPOINTS (several guacd: `[id=]host:port,...`
// or JSON with weights and labels), GUACD_HEALTH_INTERVAL (ms, 5000), REDIS_URL (share the replay
// guard and the session registry with other brokers), BROKER_ID (this broker's name there).
// /metrics serves Prometheus metrics.
import { parseEndpoints } from "@guacstream/example-demo-page/endpoints";
import { demoProfiles } from "@guacstream/example-demo-page/server";
import { startNodeBroker } from "./broker.ts";

const env = process.env;
const broker = await startNodeBroker({
  host: env.HOST ?? "127.0.0.1",
  port: Number(env.PORT ?? 8080),
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
  ...(env.RECORDING_DIR === undefined ? {} : { recordingDir: env.RECORDING_DIR }),
  recordJoins: env.RECORD_JOINS === "1",
  ...(env.ALLOWED_HOSTS === undefined ? {} : { hosts: env.ALLOWED_HOSTS.split(",") }),
  ...(env.ALLOWED_ORIGINS === undefined ? {} : { origins: env.ALLOWED_ORIGINS.split(",") }),
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
console.log(`Open ${broker.url}`);

const stop = (): void => {
  void broker.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
