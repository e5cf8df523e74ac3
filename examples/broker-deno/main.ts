// A Deno broker: Deno.serve for the demo page, Deno.upgradeWebSocket for the tunnel,
// @guacstream/transport-deno for guacd, @guacstream/tunnel for the rest.
//
// Run: `npx deno run -A examples/broker-deno/main.ts`, then open the printed URL.
// Environment: PORT (8080), HOST (127.0.0.1), GUACD_HOST/GUACD_PORT (else the guacd simulator),
// GUACSTREAM_TOKEN_SECRET (else a fresh one), GUACD_CONNECTION (JSON settings for demo tokens),
// RECORDING_DIR (record each session as a .guac file).
import { startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { connect } from "@guacstream/transport-deno";
import {
  acceptTunnel,
  type BrowserSetting,
  GUACAMOLE_SUBPROTOCOL,
  generateTokenSecret,
  importTokenKey,
  ReplayGuard,
  type TunnelEvent,
} from "@guacstream/tunnel";
import { demoHandler, demoProfiles } from "../demo-page/server.ts";

const env = Deno.env.toObject();
const ALLOW: readonly BrowserSetting[] = ["width", "height", "dpi", "timezone", "image", "audio"];

const simulator = env.GUACD_HOST === undefined ? await startGuacdSimulator({}) : undefined;
const guacd =
  simulator === undefined
    ? { hostname: env.GUACD_HOST!, port: Number(env.GUACD_PORT ?? 4822) }
    : { hostname: simulator.host, port: simulator.port };
const key = await importTokenKey(env.GUACSTREAM_TOKEN_SECRET ?? generateTokenSecret());
const replay = new ReplayGuard();
const demo = demoHandler({
  key,
  profiles: demoProfiles(env.GUACD_CONNECTION),
  readFile: (url) => Deno.readFile(url),
});
const recordingDir = env.RECORDING_DIR;
if (recordingDir !== undefined) await Deno.mkdir(recordingDir, { recursive: true });

/**
 * A .guac file as a sink, written with `FsFile.write` directly: each write is on disk when it
 * resolves, so a recording of a live session can be read while the session goes on.
 */
function recordingSink(path: string): WritableStream<Uint8Array> {
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  return new WritableStream({
    async write(chunk) {
      for (let offset = 0; offset < chunk.length; ) {
        offset += await file.write(chunk.subarray(offset));
      }
    },
    close: () => file.close(),
    abort: () => file.close(),
  });
}

function log(event: TunnelEvent): void {
  if (event.type === "refused") console.log(`tunnel refused: ${event.code} (${event.closeCode})`);
  else if (event.type === "failed") console.log(`tunnel failed: ${event.error.message}`);
  else if (event.type === "open") console.log(`tunnel open: ${event.info.connectionId}`);
  else console.log(`tunnel closed: ${event.info.connectionId} (${event.result.closeCode})`);
}

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/tunnel") {
    const offered = (request.headers.get("sec-websocket-protocol") ?? "").split(/\s*,\s*/);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("WebSocket only\n", { status: 426 });
    }
    if (!offered.includes(GUACAMOLE_SUBPROTOCOL)) {
      return new Response("The guacamole subprotocol is required\n", { status: 400 });
    }
    const { socket, response } = Deno.upgradeWebSocket(request, {
      protocol: GUACAMOLE_SUBPROTOCOL,
    });
    void acceptTunnel(socket, request.url, {
      key,
      replay,
      allow: ALLOW,
      connect: () => connect({ host: guacd.hostname, port: guacd.port, timeout: 10_000 }),
      onEvent: log,
      ...(recordingDir === undefined
        ? {}
        : {
            record: (info) => recordingSink(`${recordingDir}/${info.connectionId}.guac`),
          }),
    });
    return response;
  }
  return (await demo(request)) ?? new Response("Not found\n", { status: 404 });
}

const server = Deno.serve(
  {
    hostname: env.HOST ?? "127.0.0.1",
    port: Number(env.PORT ?? 8080),
    onListen: ({ hostname, port }) => {
      const where =
        simulator === undefined
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
  await simulator?.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", () => void stop());
Deno.addSignalListener("SIGTERM", () => void stop());
