// Attacks on the broker's input path against a real guacd, through the Node example broker started here
// (in this process): an honest VNC session, a 1 MiB nop flood beside it, 100 keys sent before
// guacd's ready, a browser that vanishes (TCP reset), and guacd's session count after each.
//
//   source /work/notes/guacd-env.sh   # GUACD_HOST, GUACD_PORT, GUACD_PARAMS
//   npx tsx --conditions=@guacstream/source examples/broker-node/scripts/live-attacks.ts
import type { Socket } from "node:net";
import WebSocket from "ws";
import { startNodeBroker } from "../src/broker.ts";

const host = process.env.GUACD_HOST;
if (host === undefined) throw new Error("Set GUACD_HOST (and GUACD_PORT, GUACD_PARAMS)");
const parameters = JSON.parse(process.env.GUACD_PARAMS ?? '{"hostname":"127.0.0.1","port":"5900"}');
const closes: string[] = [];
const ids: string[] = [];
const broker = await startNodeBroker({
  port: 0,
  admin: { port: 0 },
  demoTokens: true,
  guacd: { host, port: Number(process.env.GUACD_PORT ?? 4822) },
  profiles: { vnc: { protocol: process.env.GUACD_PROTOCOL ?? "vnc", parameters } },
  onEvent: (event) => {
    if (event.type === "open") ids.push(event.info.connectionId);
    if (event.type === "closed") {
      closes.push(`${event.result.closeCode} ${event.result.error?.message ?? ""}`);
    }
  },
});
const origin = new URL(broker.url).origin;

async function open(): Promise<{ ws: WebSocket; received: () => number; closed: Promise<string> }> {
  const response = await fetch(`${broker.url}demo/token?profile=vnc`, {
    method: "POST",
    headers: { origin },
  });
  const { token } = (await response.json()) as { token: string };
  const ws = new WebSocket(
    `${broker.url.replace("http", "ws")}tunnel?token=${token}`,
    "guacamole",
    {
      origin,
    },
  );
  let received = 0;
  ws.on("message", (data: Buffer) => {
    received += data.length;
    for (const m of data.toString("latin1").matchAll(/4\.sync,(\d+)\.(\d+)/g)) {
      if (ws.readyState === WebSocket.OPEN) ws.send(`4.sync,${m[1]}.${m[2]};`);
    }
  });
  const closed = new Promise<string>((resolve) => {
    ws.on("error", () => {});
    ws.on("close", (code, reason) => resolve(`${code} ${reason.toString()}`));
  });
  await new Promise((resolve) => ws.once("open", resolve));
  return { ws, received: () => received, closed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const honest = await open();
const ping = setInterval(() => honest.ws.send(`0.,4.ping,13.${Date.now()};`), 500);
await sleep(3000);
console.log(`honest session: ${honest.received()} bytes in 3 s`);

const flood = await open();
await sleep(1500);
const before = honest.received();
const t0 = performance.now();
flood.ws.send("3.nop;".repeat(174_762));
console.log(
  `flood tunnel closed: ${await flood.closed} after ${(performance.now() - t0).toFixed(0)} ms`,
);
await sleep(3000);
console.log(
  `honest session after the flood: +${honest.received() - before} bytes in 3 s, open: ${honest.ws.readyState === WebSocket.OPEN}`,
);

// 100 keys (press and release of "a") sent the moment the socket opens, before guacd's ready.
const early = await open();
for (let i = 0; i < 100; i++) early.ws.send(`3.key,2.97,1.${i % 2 === 0 ? 1 : 0};`);
await sleep(2000);
console.log(
  `early-input tunnel open after 100 keys before ready: ${early.ws.readyState === WebSocket.OPEN}`,
);
early.ws.close();
await early.closed;

const vanishing = await open();
await sleep(1500);
(vanishing.ws as unknown as { _socket: Socket })._socket.resetAndDestroy();
await sleep(1000);

clearInterval(ping);
honest.ws.close();
console.log(`honest closed: ${await honest.closed}`);
await sleep(500);
console.log(`broker events (closed): ${JSON.stringify(closes)}`);
console.log(`guacd connection ids: ${ids.join(" ")}`);
await broker.close();
