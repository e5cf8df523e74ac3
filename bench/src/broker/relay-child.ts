/**
 * One relay of the broker section alone in a process, so its CPU time and memory are its own:
 * `ours` (ws + @guacstream/tunnel + @guacstream/transport-node, as the Node example broker wires
 * them), `lite` (guacamole-lite 1.2.0 set up as its README shows, AES-256-CBC token), or `floor`
 * (ws ↔ node:net, bytes forwarded without parsing; the client does the handshake through it).
 * Prints `port <n>`; answers `stats` over IPC with its CPU time and memory (after a GC when asked).
 *
 * Run (the broker section does): node --expose-gc --import tsx --conditions=@guacstream/source
 *   relay-child.ts <ours|lite|floor> <simulator port>
 * Environment: BENCH_TUNNEL_SECRET (ours, base64url 32 bytes), BENCH_LITE_KEY (lite, 32 chars).
 */
import { createRequire } from "node:module";
import { connect as netConnect } from "node:net";
import { connect } from "@guacstream/transport-node";
import {
  acceptTunnel,
  GUACAMOLE_SUBPROTOCOL,
  importTokenKey,
  ReplayGuard,
} from "@guacstream/tunnel";
import { type WebSocket, WebSocketServer } from "ws";

export type RelayKind = "ours" | "lite" | "floor";

/** What the section asks a relay process and what it answers. */
export interface RelayStats {
  /** User + system CPU time of this process, microseconds. */
  readonly cpuUs: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

const [kind, portArg] = process.argv.slice(2) as [RelayKind, string];
const guacd = { host: "127.0.0.1", port: Number(portArg) };

function listening(wss: WebSocketServer): Promise<number> {
  return new Promise((resolve) => {
    const done = (): void => {
      const address = wss.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    };
    if (wss.address() !== null) done();
    else wss.once("listening", done);
  });
}

async function startOurs(): Promise<number> {
  const key = await importTokenKey(process.env.BENCH_TUNNEL_SECRET ?? "");
  const replay = new ReplayGuard();
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    maxPayload: 1 << 20,
    handleProtocols: (offered) =>
      offered.has(GUACAMOLE_SUBPROTOCOL) ? GUACAMOLE_SUBPROTOCOL : false,
  });
  wss.on("connection", (ws, req) => {
    acceptTunnel(ws, req.url ?? "/", {
      key,
      replay,
      bytesAsText: true,
      connect: () => connect({ host: guacd.host, port: guacd.port, timeout: 10_000 }),
    }).catch(() => {});
  });
  return listening(wss);
}

interface LiteServer {
  webSocketServer: WebSocketServer;
}

async function startLite(): Promise<number> {
  const require = createRequire(import.meta.url);
  const GuacamoleLite = require("guacamole-lite") as new (
    ws: object,
    guacd: object,
    client: object,
  ) => LiteServer;
  const server = new GuacamoleLite(
    { host: "127.0.0.1", port: 0 },
    { host: guacd.host, port: guacd.port },
    {
      crypt: { cypher: "AES-256-CBC", key: process.env.BENCH_LITE_KEY ?? "" },
      // 0 = QUIET (its string form is not honoured for every message).
      log: { level: 0 },
    },
  );
  return listening(server.webSocketServer);
}

/** Above this many bytes queued towards the browser, the floor stops reading guacd. */
const FLOOR_HIGH_WATER = 1 << 20;

async function startFloor(): Promise<number> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 1 << 20 });
  wss.on("connection", (ws: WebSocket) => {
    const socket = netConnect({ host: guacd.host, port: guacd.port, noDelay: true });
    let paused = false;
    const resume = (): void => {
      if (paused && ws.bufferedAmount < FLOOR_HIGH_WATER) {
        paused = false;
        socket.resume();
      }
    };
    socket.on("data", (data: Buffer) => {
      ws.send(data, { binary: true }, resume);
      if (ws.bufferedAmount >= FLOOR_HIGH_WATER && !paused) {
        paused = true;
        socket.pause();
      }
    });
    ws.on("message", (data: Buffer) => socket.write(data));
    const close = (): void => {
      socket.destroy();
      ws.terminate();
    };
    socket.on("close", close);
    socket.on("error", close);
    ws.on("close", close);
    ws.on("error", close);
  });
  return listening(wss);
}

const port =
  kind === "ours" ? await startOurs() : kind === "lite" ? await startLite() : await startFloor();
process.on("message", (message: { type: "stats"; gc?: boolean }) => {
  if (message.type !== "stats") return;
  if (message.gc === true) {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
  }
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const stats: RelayStats = {
    cpuUs: cpu.user + cpu.system,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
  };
  process.send?.(stats);
});
// The section gone (or crashed), the relay goes too.
process.on("disconnect", () => process.exit(0));
process.stdout.write(`port ${port}\n`);
