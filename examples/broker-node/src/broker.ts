// A Node broker: node:http serves the demo page, `ws` accepts the tunnel, and @guacstream/tunnel
// does the rest. guacd is GUACD_HOST/GUACD_PORT, or the guacd simulator started here.
import { createWriteStream, mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Writable } from "node:stream";
import { demoHandler, demoProfiles } from "@guacstream/example-demo-page/server";
import {
  type RunningGuacdSimulator,
  type StartGuacdSimulatorOptions,
  startGuacdSimulator,
} from "@guacstream/guacd-sim/node";
import { connect } from "@guacstream/transport-node";
import {
  acceptTunnel,
  type BridgeResult,
  type BrowserSetting,
  type ConnectionSettings,
  GUACAMOLE_SUBPROTOCOL,
  generateTokenSecret,
  importTokenKey,
  ReplayGuard,
  type TunnelEvent,
} from "@guacstream/tunnel";
import { WebSocketServer } from "ws";

/** Options of {@link startNodeBroker}. */
export interface NodeBrokerOptions {
  /** Interface to listen on. @default {"127.0.0.1"} */
  host?: string;
  /** Port; 0 picks a free one. @default {8080} */
  port?: number;
  /** guacd to use; without it the guacd simulator is started. */
  guacd?: { host: string; port: number };
  /** Options for the simulator started when `guacd` is not given. */
  simulator?: StartGuacdSimulatorOptions;
  /** The token secret (base64url, 32 bytes); a fresh one if unset (demo tokens only). */
  secret?: string;
  /** Settings the browser may choose. @default {["width","height","dpi","timezone","image","audio"]} */
  allow?: readonly BrowserSetting[];
  /** Serve `/demo/token` for these connections. @default {demoProfiles(undefined)} */
  profiles?: Record<string, ConnectionSettings>;
  /** Record each session into `<dir>/<connection id>.guac`. */
  recordingDir?: string;
  /** Called at each step of each tunnel. */
  onEvent?: (event: TunnelEvent) => void;
}

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
  const simulator =
    options.guacd === undefined ? await startGuacdSimulator(options.simulator ?? {}) : undefined;
  const guacd = options.guacd ?? { host: simulator!.host, port: simulator!.port };
  const key = await importTokenKey(options.secret ?? generateTokenSecret());
  const replay = new ReplayGuard();
  const demo = demoHandler({
    key,
    profiles: options.profiles ?? demoProfiles(undefined),
    readFile: (url) => readFile(url),
  });
  const results: BridgeResult[] = [];
  let active = 0;
  if (options.recordingDir !== undefined) mkdirSync(options.recordingDir, { recursive: true });

  const server = createServer((req, res) => void serve(req, res));
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const response = await demo(new Request(new URL(req.url ?? "/", "http://broker")));
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
      res.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`);
    }
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1 << 20,
    handleProtocols: (offered) =>
      offered.has(GUACAMOLE_SUBPROTOCOL) ? GUACAMOLE_SUBPROTOCOL : false,
  });
  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://broker").pathname;
    if (path !== "/tunnel") {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      active++;
      void acceptTunnel(ws, req.url ?? "/", {
        key,
        replay,
        allow: options.allow ?? DEFAULT_ALLOW,
        connect: () => connect({ host: guacd.host, port: guacd.port, timeout: 10_000 }),
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
        ...(options.recordingDir === undefined
          ? {}
          : {
              record: (info) =>
                Writable.toWeb(
                  createWriteStream(join(options.recordingDir!, `${info.connectionId}.guac`)),
                ) as WritableStream<Uint8Array>,
            }),
      })
        .then((result) => void results.push(result))
        .finally(() => {
          active--;
        });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, options.host ?? "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? "127.0.0.1";

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
    port,
    simulator,
    get active() {
      return active;
    },
    results,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await simulator?.close();
    },
  };
}
