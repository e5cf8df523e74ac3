// The honest session of the flood measurement, in its own process so that the attackers' work
// in the parent never slows its reading: it opens one tunnel from 127.0.0.1, echoes every sync,
// pings twice a second as guacamole-common-js does, and answers "count" with the bytes received
// so far and whether the tunnel is still open.
import WebSocket from "ws";

const [url, token] = process.argv.slice(2) as [string, string];
let received = 0;
let open = true;
const ws = new WebSocket(`${url.replace("http", "ws")}tunnel?token=${token}`, "guacamole", {
  origin: new URL(url).origin,
  localAddress: "127.0.0.1",
});
ws.on("message", (data: Buffer) => {
  received += data.length;
  for (const m of data.toString("latin1").matchAll(/4\.sync,(\d+)\.(\d+)/g)) {
    if (ws.readyState === WebSocket.OPEN) ws.send(`4.sync,${m[1]}.${m[2]};`);
  }
});
ws.on("close", () => {
  open = false;
});
ws.on("error", () => {});
const ping = setInterval(() => {
  if (ws.readyState === WebSocket.OPEN) ws.send(`0.,4.ping,13.${Date.now()};`);
}, 500);
process.on("message", (message) => {
  if (message === "count") process.send?.({ type: "count", received, open });
  else if (message === "stop") {
    clearInterval(ping);
    ws.close();
    process.exit(0);
  }
});
