// A browser stand-in for the scale tests and the load script: a `ws` client with the guacamole
// subprotocol that echoes every `sync` (as guacamole-common-js does), keeps guacd's bytes (or
// only counts them), and reports how the tunnel closed.
import WebSocket from "ws";
import { changed } from "./_harness.ts";

const SYNC = Buffer.from("4.sync,");

export interface BrowserSession {
  readonly ws: WebSocket;
  /** Messages that came as binary frames (guacamole-common-js would drop them): should be 0. */
  readonly binaryMessages: () => number;
  /** guacd's bytes received (everything after the tunnel's UUID message). */
  readonly received: () => number;
  /** The bytes themselves, when `keep` was set. */
  readonly bytes: () => Buffer;
  /** Resolves once the WebSocket is open and the tunnel's UUID message has arrived. */
  readonly opened: Promise<void>;
  /** How it closed: code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** When the first guacd byte arrived (performance.now()), or undefined. */
  readonly firstByteAt: () => number | undefined;
}

/** Opens a tunnel through the broker at `url` (`http://host:port/`) with `token`. */
export function openSession(
  url: string,
  token: string,
  options: { keep?: boolean; origin?: string } = {},
): BrowserSession {
  const ws = new WebSocket(
    `${url.replace(/^http/, "ws")}tunnel?token=${encodeURIComponent(token)}&width=1024&height=768`,
    "guacamole",
    { headers: { origin: options.origin ?? url.replace(/\/$/, "") } },
  );
  const chunks: Buffer[] = [];
  let received = 0;
  let uuidSeen = false;
  let firstByteAt: number | undefined;
  let resolveOpened!: () => void;
  const opened = new Promise<void>((resolve) => {
    resolveOpened = resolve;
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      changed();
    });
  });
  ws.on("error", () => {});
  let binaryMessages = 0;
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    // guacamole-common-js reads text messages only.
    if (isBinary) binaryMessages++;
    if (!uuidSeen) {
      uuidSeen = true; // `0.,36.<uuid>;`
      resolveOpened();
      changed();
      return;
    }
    if (data.length < 40 && data.toString().startsWith("0.,4.ping,")) return;
    firstByteAt ??= performance.now();
    received += data.length;
    if (options.keep) chunks.push(Buffer.from(data));
    echoSyncs(ws, data);
    changed();
  });
  return {
    ws,
    received: () => received,
    binaryMessages: () => binaryMessages,
    bytes: () => Buffer.concat(chunks),
    opened,
    closed,
    firstByteAt: () => firstByteAt,
  };
}

/** Echoes each `sync` in a message, as guacamole-common-js does (bytes, not decoded: cheap). */
export function echoSyncs(ws: WebSocket, data: Buffer): void {
  for (let i = data.indexOf(SYNC); i >= 0; i = data.indexOf(SYNC, i + SYNC.length)) {
    let j = i + SYNC.length;
    let length = 0;
    while (data[j]! >= 0x30 && data[j]! <= 0x39) length = length * 10 + data[j++]! - 0x30;
    const ts = data.subarray(j + 1, j + 1 + length).toString("latin1");
    if (ws.readyState === WebSocket.OPEN) ws.send(`4.sync,${ts.length}.${ts};`);
  }
}

/** Fetches a broker's `/metrics` (its admin listener's URL) and returns the text. */
export async function scrape(metricsUrl: string): Promise<string> {
  const response = await fetch(metricsUrl);
  if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
  return response.text();
}
