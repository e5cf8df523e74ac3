// The Node broker under measurement, in its own process: the Node example broker in production
// shape (a secret from FLOOD_SECRET, no demo tokens) against the guacd given in GUACD_HOST/
// GUACD_PORT, with an event-loop probe and an RSS sampler the parent resets and reads over IPC
// ("reset" / "report").
import { startNodeBroker } from "../src/broker.ts";
import { LoopProbe } from "./_loop-probe.ts";

const probe = new LoopProbe();
let rssPeak = 0;
setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 20).unref();
const broker = await startNodeBroker({
  port: 0,
  admin: { port: 0 },
  ...(process.env.FLOOD_SECRET === undefined ? {} : { secret: process.env.FLOOD_SECRET }),
  // The defaults, but for the rate of new tunnels and the abuse cooldown: the attacker's
  // reconnections are what most phases measure (FLOOD_DEFAULTS=1 keeps every default).
  limits:
    process.env.FLOOD_DEFAULTS === "1"
      ? {}
      : { maxTunnelsPerClient: 16, newTunnelsPerMinute: 6000, abuseCooldown: 0 },
  guacd: { host: process.env.GUACD_HOST ?? "127.0.0.1", port: Number(process.env.GUACD_PORT) },
});
process.on("message", (message) => {
  if (message === "reset") {
    probe.reset();
    rssPeak = process.memoryUsage.rss();
    process.send?.({ type: "reset" });
  } else if (message === "report") {
    process.send?.({
      type: "report",
      intervals: probe.intervals(),
      rss: process.memoryUsage.rss(),
      rssPeak: Math.max(rssPeak, process.memoryUsage.rss()),
    });
  } else if (message === "stop") {
    probe.stop();
    void broker.close().then(() => process.exit(0));
  }
});
process.send?.({ type: "ready", url: broker.url, metricsUrl: broker.metricsUrl });
