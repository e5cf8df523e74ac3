// Against a real guacd: a Node and a Deno example broker in production configuration (a secret,
// no demo tokens, /metrics on the loopback admin listener), the demo page in headless Chromium
// with a token in its URL showing a VNC session, and the flood phases of flood.ts run beside it,
// each from an address of its own. Per broker and phase: the page's syncs per second (its
// display keeps being updated), whether it stays connected, the broker's RSS peak (its process
// group, sampled every 100 ms), and how the attacker was cut off.
//
//   GUACD_HOST=127.0.0.1 GUACD_PORT=4822 VNC='{"hostname":"127.0.0.1","port":"5900"}' \
//     npx tsx --conditions=@guacstream/source examples/broker-node/scripts/live-flood.ts [seconds]
//
// The attackers hold real VNC sessions on that guacd (at most MAX_TUNNELS_PER_CLIENT, 4, each).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "@guacstream/test-support";
import { generateTokenSecret, importTokenKey, sealToken } from "@guacstream/tunnel";
import { artifacts, startBroker } from "../test/_harness.ts";
import { attacksOn, PHASES } from "./_attacks.ts";

const host = process.env.GUACD_HOST;
if (host === undefined) throw new Error("Set GUACD_HOST (and GUACD_PORT, VNC)");
const seconds = Number(process.argv[2] ?? 5);
const parameters = JSON.parse(process.env.VNC ?? '{"hostname":"127.0.0.1","port":"5900"}');

/** The largest RSS in the process group `pgid`, in MiB. */
function groupRss(pgid: number): number {
  let largest = 0;
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
      const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      largest = Math.max(largest, Number(kib?.[1] ?? 0) / 1024);
    } catch {
      // Gone while we looked.
    }
  }
  return largest;
}

const browser = await launchChromium();
const results: Record<string, unknown>[] = [];
try {
  for (const kind of ["node", "deno"] as const) {
    const secret = generateTokenSecret();
    const key = await importTokenKey(secret);
    const mint = () => sealToken(key, { protocol: "vnc", parameters }, { expiresIn: 60_000 });
    const broker = await startBroker(kind, {
      GUACD_HOST: host,
      GUACD_PORT: process.env.GUACD_PORT ?? "4822",
      GUACSTREAM_TOKEN_SECRET: secret,
      MAX_TUNNELS_PER_CLIENT: "4",
      NEW_TUNNELS_PER_MINUTE: "600",
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      // Production: no demo tokens, even for the page's own Origin.
      const demo = await fetch(`${broker.url}demo/token`, {
        method: "POST",
        headers: { origin: new URL(broker.url).origin },
      }).then(async (r) => `${r.status} ${(await r.text()).trim()}`);
      await page.goto(`${broker.url}?token=${encodeURIComponent(await mint())}`);
      await page.waitForFunction(
        () => (window as never as { demo: { syncs: number } }).demo.syncs > 0,
        undefined,
        {
          timeout: 30_000,
        },
      );
      const syncs = () =>
        page.evaluate(() => (window as never as { demo: { syncs: number; state: string } }).demo);
      // Keep the desktop changing, so guacd keeps sending frames: the mouse draws a circle.
      let angle = 0;
      const mover = setInterval(() => {
        angle += 0.3;
        void page.mouse
          .move(640 + 200 * Math.cos(angle), 400 + 200 * Math.sin(angle))
          .catch(() => {});
      }, 50);
      const attacks = attacksOn(broker.url, mint);
      let aloneRate = 0;
      for (const [index, phase] of PHASES.entries()) {
        const before = (await syncs()).syncs;
        let rssPeak = groupRss(broker.pid);
        const sampler = setInterval(() => {
          rssPeak = Math.max(rssPeak, groupRss(broker.pid));
        }, 100);
        const started = performance.now();
        const until = started + seconds * 1000;
        const attack = attacks[phase];
        const outcome =
          attack === undefined
            ? await new Promise<undefined>((r) => setTimeout(() => r(undefined), seconds * 1000))
            : await attack(until, `127.0.0.${index + 1}`);
        clearInterval(sampler);
        const after = await syncs();
        const rate = (after.syncs - before) / ((performance.now() - started) / 1000);
        if (phase === "alone") aloneRate = rate;
        const row = {
          broker: kind,
          phase,
          pageSyncsPerSecond: Number(rate.toFixed(1)),
          pageShare: aloneRate === 0 ? 0 : Number((rate / aloneRate).toFixed(2)),
          pageState: after.state,
          brokerRssPeakMiB: Number(rssPeak.toFixed(0)),
          attacker: outcome?.codes ?? {},
          demoTokenAnswer: phase === "alone" ? demo : undefined,
        };
        results.push(row);
        console.log(JSON.stringify(row));
        await new Promise((r) => setTimeout(r, 1000));
      }
      clearInterval(mover);
    } finally {
      await page.close();
      await broker.stop();
    }
  }
} finally {
  await browser.close();
}
mkdirSync(artifacts, { recursive: true });
writeFileSync(join(artifacts, "live-flood.json"), `${JSON.stringify(results, null, 2)}\n`);
