// A Deno broker: Deno.serve for the demo page, Deno.upgradeWebSocket for the tunnel,
// @guacstream/transport-deno for guacd, @guacstream/tunnel for the rest.
//
// Run: `npx deno run -A examples/broker-deno/main.ts`, then open the printed URL.
// Environment: PORT (8080), HOST (127.0.0.1), GUACD_HOST/GUACD_PORT (else the guacd simulator),
// GUACSTREAM_TOKEN_SECRET (else a fresh one), GUACD_CONNECTION (JSON settings for demo tokens),
// RECORDING_DIR (record each session as a .guac file; RECORD_JOINS=1 records joiners too, each in
// its own file), ALLOWED_HOSTS / ALLOWED_ORIGINS (comma-separated; default: the listening address
// and the page's own origin). Scale-out as the Node broker: GUACD_ENDPOINTS, GUACD_HEALTH_INTERVAL,
// REDIS_URL (through npm:@redis/client, loaded only when set), BROKER_ID; /metrics.
import { dirname, join, resolve } from "node:path";
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
  MetricsRegistry,
  ReplayGuard,
  SessionDirectory,
  type SessionRegistry,
  type TunnelEvent,
  type TunnelInfo,
  TunnelMetrics,
} from "@guacstream/tunnel";
import { parseEndpoints } from "../demo-page/endpoints.ts";
import { recordingFileName, requestPolicy, shouldRecord } from "../demo-page/policy.ts";
import { demoHandler, demoProfiles } from "../demo-page/server.ts";

const env = Deno.env.toObject();
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
const recordingDir = env.RECORDING_DIR === undefined ? undefined : resolve(env.RECORDING_DIR);
if (recordingDir !== undefined) await Deno.mkdir(recordingDir, { recursive: true });
const listenHost = env.HOST ?? "127.0.0.1";
let policy: ReturnType<typeof requestPolicy> = () => ({ status: 403, text: "Not ready\n" });

/**
 * One tunnel's .guac file as a sink, written with `FsFile.write` directly: each write is on disk
 * when it resolves, so a recording of a live session can be read while the session goes on. The
 * file is created exclusively (never truncated) inside the folder, opened asynchronously: a
 * missing folder or a full disk ends that session (RECORDING_FAILED), never the process.
 */
function recordingSink(dir: string, info: TunnelInfo): WritableStream<Uint8Array> | undefined {
  if (!shouldRecord(info, env.RECORD_JOINS === "1")) return undefined;
  const path = join(dir, recordingFileName(info));
  if (dirname(resolve(path)) !== dir) throw new Error(`Cannot record outside ${dir}: ${path}`);
  let file: Deno.FsFile | undefined;
  return new WritableStream({
    async start() {
      file = await Deno.open(path, { write: true, createNew: true });
    },
    async write(chunk) {
      for (let offset = 0; offset < chunk.length; ) {
        offset += await file!.write(chunk.subarray(offset));
      }
    },
    close: () => file?.close(),
    abort: () => file?.close(),
  });
}

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

async function handle(request: Request): Promise<Response> {
  try {
    return await route(request);
  } catch (error) {
    console.error(`refused (http): ${String(error)}`);
    return text(500, "Internal error\n");
  }
}

async function route(request: Request): Promise<Response> {
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
    const { socket, response } = Deno.upgradeWebSocket(request, {
      protocol: GUACAMOLE_SUBPROTOCOL,
    });
    acceptTunnel(socket, url, {
      key,
      replay,
      allow: ALLOW,
      ...(pool === undefined
        ? { connect: () => connect({ host: guacd.hostname, port: guacd.port, timeout: 10_000 }) }
        : { pool, sessions }),
      onEvent: log,
      ...(recordingDir === undefined
        ? {}
        : { record: (info) => recordingSink(recordingDir, info) }),
    }).catch((error: unknown) => console.error(`refused (tunnel): ${String(error)}`));
    return response;
  }
  if (url.pathname === "/demo/token" || url.pathname === "/metrics") {
    const refusal = policy(headers, false);
    if (refusal !== undefined) return text(refusal.status, refusal.text);
  }
  if (url.pathname === "/metrics") {
    return new Response(metrics.render(), {
      headers: { "content-type": MetricsRegistry.contentType },
    });
  }
  return (await demo(request)) ?? text(404, "Not found\n");
}

const server = Deno.serve(
  {
    hostname: listenHost,
    port: Number(env.PORT ?? 8080),
    onError: (error) => {
      console.error(`refused (http): ${String(error)}`);
      return text(500, "Internal error\n");
    },
    onListen: ({ hostname, port }) => {
      policy = requestPolicy({
        host: listenHost,
        port,
        hosts: env.ALLOWED_HOSTS?.split(","),
        origins: env.ALLOWED_ORIGINS?.split(","),
      });
      const where =
        pool !== undefined
          ? `${endpoints.length} guacd (${pool.endpoints.map((e) => e.id).join(", ")})`
          : simulator === undefined
            ? `guacd at ${guacd.hostname}:${guacd.port}`
            : `the guacd simulator at ${simulator.address}`;
      console.log(`guacstream Deno broker using ${where}`);
      console.log(`Open http://${hostname}:${port}/`);
    },
  },
  handle,
);

const stop = async (): Promise<void> => {
  await server.shutdown();
  pool?.close();
  await sessions.stop();
  await redis?.connection.close();
  await simulator?.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", () => void stop());
Deno.addSignalListener("SIGTERM", () => void stop());
