// The recording player in headless Chromium: a session is recorded through the Node example broker
// (as its users start it: RECORDING_DIR, RECORD_KEYS, SERVE_RECORDINGS) against the simulator's SSH
// recording, the player lists it, seeks to its middle, and its canvas must hold the picture
// @guacstream/display renders from the same file at that moment. Then it plays at 4×.
// Screenshots go to .test-results/examples/.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderRecording } from "@guacstream/display";
import { keyLogOf } from "@guacstream/recording";
import { launchChromium } from "@guacstream/test-support";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  artifacts,
  type CountedGuacd,
  type RunningBroker,
  startBroker,
  startCountedGuacd,
} from "./_harness.ts";

const TOKEN = "player-test-token-0123456789abcdef";
// The simulator's SSH session: 100 syncs over 9.7 s of recorded time.
const SSH_SYNCS = 100;

interface PlayerState {
  state: string;
  recordings: { id: string; protocol: string; keysRecorded: boolean; bytes: number }[];
  duration: number;
  position: number;
}
declare global {
  interface Window {
    player: PlayerState & {
      seekTo(position: number): Promise<number>;
      settled: Promise<number>;
      playingSince: number;
      recording: { getDisplay(): { flatten(): HTMLCanvasElement } };
    };
  }
}

/** The demo page's window (its full type is browser.test.ts's). */
type DemoWindow = { demo: { state: string; syncs: number } };

let browser: Browser;
let guacd: CountedGuacd;
let broker: RunningBroker;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "guacstream-player-"));
  guacd = await startCountedGuacd();
  browser = await launchChromium();
  broker = await startBroker("node", {
    GUACD_HOST: guacd.host,
    GUACD_PORT: String(guacd.port),
    RECORDING_DIR: dir,
    RECORD_KEYS: "1",
    SERVE_RECORDINGS: "1",
    RECORDINGS_TOKEN: TOKEN,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await broker?.stop();
  await guacd?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Pixels of a canvas in the page, as RGBA. */
async function canvasPixels(
  page: import("playwright-core").Page,
): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const { width, height, base64 } = await page.evaluate(() => {
    const canvas = window.player.recording.getDisplay().flatten();
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let binary = "";
    for (let i = 0; i < data.length; i += 0x8000) {
      binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    }
    return { width: canvas.width, height: canvas.height, base64: btoa(binary) };
  });
  return { width, height, data: new Uint8ClampedArray(Buffer.from(base64, "base64")) };
}

function differing(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let count = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) {
      count++;
    }
  }
  return count;
}

it("records a session, lists it, and shows the picture of the moment it seeks to", async () => {
  // Record: the demo page's SSH session, with a few keys typed, ended from the page.
  const live = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await live.goto(`${broker.url}?profile=ssh`);
  await live.waitForFunction((n) => (window as unknown as DemoWindow).demo.syncs >= n, SSH_SYNCS, {
    timeout: 60_000,
  });
  await live.click("#display");
  await live.keyboard.type("ls");
  await live.click("#disconnect");
  await live.waitForFunction(
    () => (window as unknown as DemoWindow).demo.state === "disconnected",
    null,
    {
      timeout: 30_000,
    },
  );
  await live.close();

  // The player lists it once the broker has written its sidecar.
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${broker.url}player.html#token=${TOKEN}`);
  expect(page.url()).not.toContain(TOKEN); // taken out of the address once read
  // The sidecar is written once the broker has closed the recording, just after the page saw
  // the session end: the browser asks until it is there.
  await page.waitForFunction(
    async (token) => {
      const headers = { authorization: `Bearer ${token}` };
      return ((await (await fetch("recordings", { headers })).json()) as unknown[]).length > 0;
    },
    TOKEN,
    { polling: 100, timeout: 30_000 },
  );
  await page.click("#login button");
  await page.locator("#list tbody tr").first().waitFor();
  const listed = await page.evaluate(() => window.player.recordings);
  expect(listed).toHaveLength(1);
  expect(listed[0]).toMatchObject({ protocol: "ssh", keysRecorded: true });
  const files = await readdir(dir);
  const guac = files.find((f) => f.endsWith(".guac"))!;
  expect(guac).toBe(`${listed[0]!.id}.guac`);
  const bytes = await readFile(join(dir, guac));
  expect(listed[0]!.bytes).toBe(bytes.length);
  // RECORD_KEYS reached the recorder: the keys typed are in the file.
  expect((await keyLogOf(bytes)).text).toBe("ls");

  // Pick it, and seek to the middle.
  await page.click("#list tbody tr");
  await page.waitForFunction(() => window.player.state === "paused", null, { timeout: 60_000 });
  const duration = await page.evaluate(() => window.player.duration);
  expect(duration).toBeGreaterThan(5000);
  const middle = Math.round(duration / 2);
  // Through the slider, dragged across the recording and let go in the middle: each step is an
  // input event, sent faster than a seek completes.
  await page.evaluate(
    (steps) => {
      const slider = document.getElementById("seek") as HTMLInputElement;
      for (const step of steps) {
        slider.value = String(step);
        slider.dispatchEvent(new Event("input"));
      }
      slider.dispatchEvent(new Event("change"));
    },
    [0.9, 0.2, 0.7, 0.35, 0.6, 0.5].map((f) => Math.round(duration * f)),
  );
  expect(await page.evaluate(() => window.player.settled)).toBe(middle);
  expect(await page.locator("#time").textContent()).toBe(
    `0:${String(Math.floor(middle / 1000)).padStart(2, "0")} / 0:${String(Math.floor(duration / 1000)).padStart(2, "0")}`,
  );
  expect(await page.locator("#seek").inputValue()).toBe(String(middle));
  const shown = await canvasPixels(page);
  await page.screenshot({ path: join(artifacts, "player-middle.png") });

  // The same file, rendered apart from the browser: the middle, and the two ends for contrast.
  const rendered = new Map<number, Uint8ClampedArray>();
  let size = { width: 0, height: 0 };
  for await (const frame of renderRecording([bytes], {
    at: [0, middle, duration],
    cursor: false,
  })) {
    rendered.set(frame.time, frame.image.data);
    size = { width: frame.image.width, height: frame.image.height };
  }
  expect({ width: shown.width, height: shown.height }).toEqual(size);
  // The middle is its own picture: a player stuck at either end would not match it.
  expect(differing(rendered.get(middle)!, rendered.get(0)!)).toBeGreaterThan(100);
  expect(differing(rendered.get(middle)!, rendered.get(duration)!)).toBeGreaterThan(100);
  expect(differing(shown.data, rendered.get(middle)!)).toBe(0);

  // Play at 4×: 2 s of recording pass in well under 2 s (from when playing began, in the page).
  await page.evaluate(() => window.player.seekTo(0));
  await page.selectOption("#speed", "4");
  await page.click("#play");
  const elapsed = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const check = () =>
          window.player.position >= 2000
            ? resolve(performance.now() - window.player.playingSince)
            : requestAnimationFrame(check);
        check();
      }),
  );
  await page.click("#play"); // pause
  expect(await page.evaluate(() => window.player.state)).toBe("paused");
  expect(elapsed).toBeLessThan(2000);
  await page.close();
}, 180_000);
