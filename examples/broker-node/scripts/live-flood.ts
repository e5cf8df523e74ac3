// Against a real guacd: a Node and a Deno example broker in production configuration (a secret,
// no demo tokens, /metrics on the loopback admin listener), the demo page in headless Chromium
// with a token in its URL showing a VNC session while the mouse draws circles, and the flood
// phases of flood.ts run beside it, each from an address of its own. Per broker and phase: the
// page's syncs per second (its display keeps being updated) and its share of the `alone` phase's,
// whether it stays connected, the broker's RSS peak and its growth over the alone phase's peak,
// its event-loop delay (the probe flood.ts reads), and how the attacker was cut off. Then the page
// is closed while guacd still draws: /metrics must count that close as status 0, never 515. A
// screenshot of the page after the last phase is written beside the figures.
//
//   GUACD_HOST=127.0.0.1 GUACD_PORT=4822 VNC='{"hostname":"127.0.0.1","port":"5900"}' \
//     [ATTACK='{"protocol":"telnet","parameters":{…}}'] \
//     npx tsx --conditions=@guacstream/source examples/broker-node/scripts/live-flood.ts [seconds]
//
// The attackers hold real sessions on that guacd (at most 16 each, the default per client): on
// the page's VNC desktop by default, or on the target ATTACK gives (a token's protocol and
// parameters as JSON), which tells the broker's share of a slowdown from the VNC server's (one
// x11vnc serves every viewer of the desktop). The brokers keep every default cap, as deployed;
// FLOOD_DEFAULTS=0 gives them flood.ts's relaxed rate of new tunnels and no abuse cooldown.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "@guacstream/test-support";
import { generateTokenSecret, importTokenKey, sealToken } from "@guacstream/tunnel";
import { artifacts } from "../test/_harness.ts";
import { attacksOn, PHASES } from "./_attacks.ts";
import { loopDelayOf } from "./_loop-probe.ts";
import { startMeasuredBroker } from "./flood.ts";

const host = process.env.GUACD_HOST;
if (host === undefined) throw new Error("Set GUACD_HOST (and GUACD_PORT, VNC)");
const seconds = Number(process.argv[2] ?? 5);
const parameters = JSON.parse(process.env.VNC ?? '{"hostname":"127.0.0.1","port":"5900"}');
const attackTarget = JSON.parse(
  process.env.ATTACK ?? JSON.stringify({ protocol: "vnc", parameters }),
);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The sum of a counter's series whose labels match `labels`. */
function counter(text: string, name: string, labels: RegExp): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) && labels.test(line)) total += Number(line.split(" ").at(-1));
  }
  return total;
}

const scrape = async (url: string): Promise<string> => (await fetch(url)).text();

mkdirSync(artifacts, { recursive: true });
const browser = await launchChromium();
const results: Record<string, unknown>[] = [];
try {
  for (const kind of ["node", "deno"] as const) {
    const secret = generateTokenSecret();
    const key = await importTokenKey(secret);
    const mint = () => sealToken(key, { protocol: "vnc", parameters }, { expiresIn: 60_000 });
    const mintAttack = () => sealToken(key, attackTarget, { expiresIn: 60_000 });
    const broker = await startMeasuredBroker(kind, {
      ...process.env,
      FLOOD_SECRET: secret,
      GUACSTREAM_TOKEN_SECRET: secret,
      GUACD_HOST: host,
      GUACD_PORT: process.env.GUACD_PORT ?? "4822",
      FLOOD_DEFAULTS: process.env.FLOOD_DEFAULTS ?? "1",
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let mover: ReturnType<typeof setInterval> | undefined;
    try {
      // Production: no demo tokens, even for the page's own Origin.
      const demo = await fetch(`${broker.url}demo/token`, {
        method: "POST",
        headers: { origin: new URL(broker.url).origin },
      }).then(async (r) => `${r.status} ${(await r.text()).trim()}`);
      const metricsAnswer = (await fetch(broker.metricsUrl)).status;
      await page.goto(`${broker.url}?token=${encodeURIComponent(await mint())}`);
      await page.waitForFunction(
        () => (window as never as { demo: { syncs: number } }).demo.syncs > 0,
        undefined,
        { timeout: 30_000 },
      );
      const syncs = () =>
        page.evaluate(() => (window as never as { demo: { syncs: number; state: string } }).demo);
      // Keep the desktop changing, so guacd keeps sending frames: the mouse draws a circle.
      let angle = 0;
      mover = setInterval(() => {
        angle += 0.3;
        void page.mouse
          .move(640 + 200 * Math.cos(angle), 400 + 200 * Math.sin(angle))
          .catch(() => {});
      }, 50);
      await pause(2000); // warm-up
      const attacks = attacksOn(broker.url, mintAttack);
      let aloneRate = 0;
      let alonePeak = 0;
      for (const [index, phase] of PHASES.entries()) {
        const before = (await syncs()).syncs;
        await broker.reset();
        const started = performance.now();
        const attack = attacks[phase];
        const outcome =
          attack === undefined
            ? await pause(seconds * 1000).then(() => undefined)
            : await attack(started + seconds * 1000, `127.0.0.${index + 1}`);
        const report = await broker.report();
        const after = await syncs();
        const rate = (after.syncs - before) / ((performance.now() - started) / 1000);
        if (phase === "alone") {
          aloneRate = rate;
          alonePeak = report.rssPeak;
        }
        const loop = loopDelayOf(report.intervals);
        const row = {
          broker: kind,
          phase,
          pageSyncsPerSecond: Number(rate.toFixed(1)),
          pageShare: aloneRate === 0 ? 0 : Number((rate / aloneRate).toFixed(2)),
          pageState: after.state,
          brokerRssPeakMiB: Number((report.rssPeak / 2 ** 20).toFixed(0)),
          // What the attack adds: its peak over the peak while the page ran alone.
          brokerRssOverAloneMiB: Number(((report.rssPeak - alonePeak) / 2 ** 20).toFixed(0)),
          loopP99Ms: Number(loop.p99.toFixed(1)),
          loopMaxMs: Number(loop.max.toFixed(1)),
          attacker: outcome?.codes ?? {},
          ...(phase === "alone" ? { demoTokenAnswer: demo, metricsAnswer } : {}),
        };
        results.push(row);
        console.log(JSON.stringify(row));
        await pause(1000);
      }
      await page.screenshot({ path: join(artifacts, `live-flood-${kind}.png`) });
      // The browser leaves while guacd still draws: a close the browser started is status 0.
      const closedBefore = await scrape(broker.metricsUrl);
      await page.close();
      clearInterval(mover);
      const name = "guacstream_tunnels_closed_total";
      let closedAfter = closedBefore;
      const deadline = performance.now() + 10_000;
      while (
        counter(closedAfter, name, /status="0"/) === counter(closedBefore, name, /status="0"/) &&
        performance.now() < deadline
      ) {
        await pause(100);
        closedAfter = await scrape(broker.metricsUrl);
      }
      const delta = (labels: RegExp) =>
        counter(closedAfter, name, labels) - counter(closedBefore, name, labels);
      const row = {
        broker: kind,
        phase: "page-closed",
        closedStatus0: delta(/status="0"/),
        closedStatus515: delta(/status="515"/),
        closedAny: delta(/./),
      };
      results.push(row);
      console.log(JSON.stringify(row));
    } finally {
      clearInterval(mover);
      if (!page.isClosed()) await page.close();
      await broker.stop();
    }
  }
} finally {
  await browser.close();
}
writeFileSync(join(artifacts, "live-flood.json"), `${JSON.stringify(results, null, 2)}\n`);
