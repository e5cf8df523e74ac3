// The Deno broker (main.ts, configured by the same environment) with a probe for the flood
// measurement (examples/broker-node/scripts/flood.ts): event-loop delay as a 10 ms timer sees it
// and RSS sampled every 20 ms, reset and read over HTTP on a loopback port of its own
// (`POST /reset`, `GET /report`), announced as `Probe http://127.0.0.1:<port>/`.
import { LoopProbe } from "../broker-node/scripts/_loop-probe.ts";

const probe = new LoopProbe();
let rssPeak = 0;
setInterval(() => {
  rssPeak = Math.max(rssPeak, Deno.memoryUsage().rss);
}, 20);
Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`Probe http://127.0.0.1:${port}/`),
  },
  (request) => {
    const rss = Deno.memoryUsage().rss;
    if (request.method === "POST" && new URL(request.url).pathname === "/reset") {
      probe.reset();
      rssPeak = rss;
      return Response.json({});
    }
    return Response.json({ intervals: probe.intervals(), rss, rssPeak: Math.max(rssPeak, rss) });
  },
);
await import("./main.ts");
