// The recording player on a live session: an SSH session through the Node example broker to the
// real guacd (GUACD_HOST), recorded with RECORD_KEYS, a command typed in Chromium, then played in
// the player, which seeks to the middle and must show what @guacstream/display renders from the
// same file there. Screenshots go to .test-results/examples/player-live-*.png.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderRecording } from "@guacstream/display";
import { keyLogOf } from "@guacstream/recording";
import { launchChromium } from "@guacstream/test-support";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, type RunningBroker, startBroker } from "./_harness.ts";

const GUACD_HOST = process.env.GUACD_HOST;
const SSH = {
  protocol: "ssh",
  parameters: {
    hostname: process.env.SSH_HOST ?? "127.0.0.1",
    port: process.env.SSH_PORT ?? "2222",
    username: process.env.SSH_USER ?? "guac",
    password: process.env.SSH_PASSWORD ?? "guac",
  },
};
const TOKEN = "live-player-token-0123456789abcdef";
const COMMAND = "echo played back by guacstream";

type Live = { demo: { state: string; client: { getDisplay(): { flatten(): HTMLCanvasElement } } } };

/** Resolves once the live display has drawn something and then held still for `quiet` ms. */
async function settled(page: Page, quiet: number): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { still?: unknown }).still = undefined;
  });
  await page.waitForFunction(
    (quietMs) => {
      const w = window as unknown as Live & { still?: { sum: number; since: number } };
      const canvas = w.demo.client.getDisplay().flatten();
      if (canvas.width === 0) return false;
      const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let sum = 0;
      for (let i = 0; i < data.length; i += 4) sum = (sum * 31 + data[i]! + data[i + 1]!) | 0;
      if (sum !== w.still?.sum) w.still = { sum, since: performance.now() };
      return (
        data.some((v, i) => i % 4 !== 3 && v !== 0) && performance.now() - w.still.since > quietMs
      );
    },
    quiet,
    { polling: 100, timeout: 30_000 },
  );
}

describe.skipIf(GUACD_HOST === undefined)("the player on a live SSH session", () => {
  let browser: Browser;
  let broker: RunningBroker;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "guacstream-player-live-"));
    browser = await launchChromium();
    broker = await startBroker("node", {
      GUACD_HOST: GUACD_HOST!,
      GUACD_PORT: process.env.GUACD_PORT ?? "4822",
      GUACD_CONNECTION: JSON.stringify(SSH),
      RECORDING_DIR: dir,
      RECORD_KEYS: "1",
      SERVE_RECORDINGS: "1",
      RECORDINGS_TOKEN: TOKEN,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await broker?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("records the keys typed and plays the session back", async () => {
    const live = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await live.goto(broker.url);
    await settled(live, 1000); // the prompt
    await live.click("#display");
    await live.keyboard.type(COMMAND);
    await live.keyboard.press("Enter");
    await settled(live, 1000); // the output and the next prompt
    await live.screenshot({ path: join(artifacts, "player-live-session.png") });
    await live.click("#disconnect");
    await live.close();

    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`${broker.url}player.html#token=${TOKEN}`);
    await page.waitForFunction(
      async (token) => {
        const headers = { authorization: `Bearer ${token}` };
        return ((await (await fetch("recordings", { headers })).json()) as unknown[]).length > 0;
      },
      TOKEN,
      { polling: 100, timeout: 30_000 },
    );
    await page.click("#login button");
    await page.click("#list tbody tr");
    await page.waitForFunction(
      () => (window as unknown as { player: { state: string } }).player.state === "paused",
      null,
      { timeout: 60_000 },
    );

    const guac = (await readdir(dir)).find((f) => f.endsWith(".guac"))!;
    const bytes = await readFile(join(dir, guac));
    expect((await keyLogOf(bytes)).text).toBe(`${COMMAND}\n`);

    const duration = await page.evaluate(
      () => (window as unknown as { player: { duration: number } }).player.duration,
    );
    const middle = Math.round(duration / 2);
    await page.evaluate(
      (at) =>
        (window as unknown as { player: { seekTo(ms: number): Promise<number> } }).player.seekTo(
          at,
        ),
      middle,
    );
    await page.screenshot({ path: join(artifacts, "player-live-middle.png") });
    const shown = await page.evaluate(() => {
      const w = window as unknown as {
        player: { recording: { getDisplay(): { flatten(): HTMLCanvasElement } } };
      };
      const canvas = w.player.recording.getDisplay().flatten();
      const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      return { width: canvas.width, height: canvas.height, data: Array.from(data) };
    });
    let reference: Uint8ClampedArray | undefined;
    for await (const frame of renderRecording([bytes], { at: [middle], cursor: false })) {
      expect([frame.image.width, frame.image.height]).toEqual([shown.width, shown.height]);
      reference = frame.image.data;
    }
    let differing = 0;
    for (let i = 0; i < shown.data.length; i += 4) {
      if ([0, 1, 2, 3].some((c) => shown.data[i + c] !== reference![i + c])) differing++;
    }
    expect(differing).toBe(0);

    // Played to its end at 4×: the command and its output are on the screen.
    await page.selectOption("#speed", "4");
    await page.click("#play");
    await page.waitForFunction(
      () => {
        const p = (
          window as unknown as { player: { state: string; position: number; duration: number } }
        ).player;
        return p.state === "paused" && p.position >= p.duration;
      },
      null,
      { timeout: 60_000 },
    );
    await page.screenshot({ path: join(artifacts, "player-live-end.png") });
  }, 180_000);
});
