// The broker under measurement, in its own process: the Node example broker against the guacd
// given in GUACD_HOST/GUACD_PORT, with an event-loop delay histogram the parent resets and reads
// over IPC ("reset" / "report").
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startNodeBroker } from "../src/broker.ts";

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
let rssPeak = 0;
setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 20).unref();
const broker = await startNodeBroker({
  port: 0,
  admin: { port: 0 },
  demoTokens: true,
  // The defaults, but for the rate: the attacker's reconnections are what most phases measure.
  limits: { maxTunnelsPerClient: 16, newTunnelsPerMinute: 6000 },
  guacd: { host: process.env.GUACD_HOST ?? "127.0.0.1", port: Number(process.env.GUACD_PORT) },
  profiles: {
    // Replayed forever by the harness's simulator: an honest session that never runs dry.
    vnc: { protocol: "vnc", parameters: { hostname: "loop.sim", port: "5900" } },
    // The attacker's session: a short text session, then quiet, so the flood is all it costs.
    ssh: { protocol: "ssh", parameters: { hostname: "shell.sim", port: "22" } },
  },
});
process.on("message", (message) => {
  if (message === "reset") {
    histogram.reset();
    rssPeak = process.memoryUsage.rss();
    process.send?.({ type: "reset" });
  } else if (message === "report") {
    process.send?.({
      type: "report",
      p50: histogram.percentile(50) / 1e6,
      p99: histogram.percentile(99) / 1e6,
      max: histogram.max / 1e6,
      rss: process.memoryUsage.rss(),
      rssPeak: Math.max(rssPeak, process.memoryUsage.rss()),
    });
  } else if (message === "stop") {
    void broker.close().then(() => process.exit(0));
  }
});
process.send?.({ type: "ready", url: broker.url });
