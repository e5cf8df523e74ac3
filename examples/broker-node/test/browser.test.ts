// The demo page in headless Chromium (Debian's build, driven by playwright-core) through each
// example broker to the guacd simulator replaying the VNC recording: pixels against a reference
// rendering of the same recording, the astral-plane title, clipboard both ways, mouse and keys,
// and a tampered token refused with no connection to guacd. Screenshots go to
// .test-results/examples/.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GUACAMOLE_STATUS } from "@guacstream/codec/client";
import { defaultCorpusDir } from "@guacstream/guacd-sim/node";
import { launchChromium } from "@guacstream/test-support";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  artifacts,
  type CountedGuacd,
  demoToken,
  pollFor,
  type RunningBroker,
  startBroker,
  startCountedGuacd,
} from "./_harness.ts";

const TITLE = "Привет 世界 🌍 ünïcødé"; // the first `name` of the ssh-text recording
const TO_REMOTE = "Grüße 👋 from the browser 🧪 ∑";
const FROM_REMOTE = "Remote says 🚀 héllo — 𝄞";

interface DemoState {
  state: string;
  names: string[];
  clipboard: string[];
  syncs: number;
  error?: { code: number; message: string };
}

declare global {
  interface Window {
    demo: DemoState & { client: GuacClient };
    Guacamole: {
      StaticHTTPTunnel: new (url: string) => unknown;
      Client: new (tunnel: unknown) => GuacClient;
    };
    reference?: GuacClient & { syncs: number };
  }
}
interface GuacClient {
  connect(data?: string): void;
  onsync: (() => void) | null;
  getDisplay(): GuacDisplay;
}
interface GuacDisplay {
  flatten(): HTMLCanvasElement;
  getWidth(): number;
  getHeight(): number;
  /** Calls back once every frame so far is drawn, images decoded included. */
  flush(callback: () => void): void;
}

/**
 * The recording as a reference client should render it (its `args` and `ready` are ignored): without
 * its final `disconnect`, and with one more `sync`, as the simulator sends while it holds the
 * session, so the drawing after the recording's last `sync` is flushed to the display as well.
 * `syncs` counts them all.
 */
async function referenceStream(): Promise<{ body: Buffer; syncs: number }> {
  let body = await readFile(join(defaultCorpusDir(), "vnc-desktop.s2c.guac"));
  const end = Buffer.from("10.disconnect;");
  if (body.subarray(body.length - end.length).equals(end)) {
    body = body.subarray(0, body.length - end.length);
  }
  body = Buffer.concat([body, Buffer.from("4.sync,10.9999999999;")]);
  let syncs = 0;
  for (let i = body.indexOf("4.sync,"); i >= 0; i = body.indexOf("4.sync,", i + 1)) syncs++;
  return { body, syncs };
}

let browser: Browser;
let guacd: CountedGuacd;
let reference: { body: Buffer; syncs: number };

beforeAll(async () => {
  reference = await referenceStream();
  guacd = await startCountedGuacd();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await guacd?.close();
});

async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  await page.route("**/reference.guac", (route) =>
    route.fulfill({ status: 200, contentType: "text/plain", body: reference.body }),
  );
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
  return page;
}

async function demoState(page: Page): Promise<DemoState> {
  return page.evaluate(() => {
    const { state, names, clipboard, syncs, error } = window.demo;
    return { state, names, clipboard, syncs, ...(error === undefined ? {} : { error }) };
  });
}

describe.each(["node", "deno"] as const)("the demo page through the %s broker", (kind) => {
  let broker: RunningBroker;
  let page: Page;
  let recordings: string;

  beforeAll(async () => {
    recordings = await mkdtemp(join(tmpdir(), `guacstream-${kind}-recordings-`));
    broker = await startBroker(kind, {
      GUACD_HOST: guacd.host,
      GUACD_PORT: String(guacd.port),
      RECORDING_DIR: recordings,
    });
  }, 120_000);

  afterAll(async () => {
    await page?.close();
    await broker?.stop();
    if (recordings !== undefined) await rm(recordings, { recursive: true, force: true });
  });

  it("shows the recorded VNC frames, pixel for pixel", async () => {
    page = await openPage(`${broker.url}?profile=vnc`);
    await page.waitForFunction(
      (n) => window.demo.state === "connected" && window.demo.syncs >= n,
      reference.syncs,
      { timeout: 60_000 },
    );
    // The same recording, rendered by a second client straight from its bytes.
    await page.evaluate(() => {
      const client = new window.Guacamole.Client(
        new window.Guacamole.StaticHTTPTunnel("reference.guac"),
      ) as GuacClient & { syncs: number };
      client.syncs = 0;
      client.onsync = () => {
        client.syncs++;
      };
      window.reference = client;
      client.connect();
    });
    await page.waitForFunction((n) => (window.reference?.syncs ?? 0) >= n, reference.syncs, {
      timeout: 60_000,
    });
    const compare = () =>
      page.evaluate(() => {
        const a = window.demo.client.getDisplay().flatten();
        const b = window.reference!.getDisplay().flatten();
        if (a.width * a.height * b.width * b.height === 0) {
          return {
            width: a.width,
            height: a.height,
            sameSize: false,
            different: -1,
            colors: 0,
            png: "",
          };
        }
        const pa = a.getContext("2d")!.getImageData(0, 0, a.width, a.height).data;
        const pb = b.getContext("2d")!.getImageData(0, 0, b.width, b.height).data;
        let different = 0;
        const colors = new Set<number>();
        for (let i = 0; i < pa.length; i += 4) {
          if (pa[i] !== pb[i] || pa[i + 1] !== pb[i + 1] || pa[i + 2] !== pb[i + 2]) different++;
          if (i % 256 === 0) colors.add((pa[i]! << 16) | (pa[i + 1]! << 8) | pa[i + 2]!);
        }
        return {
          width: a.width,
          height: a.height,
          sameSize: a.width === b.width && a.height === b.height,
          different,
          colors: colors.size,
          png: a.toDataURL("image/png"),
        };
      });
    // Images decode asynchronously: wait until both displays have drawn every frame.
    await page.evaluate(() =>
      Promise.all(
        [window.demo.client, window.reference!].map(
          (client) => new Promise<void>((resolve) => client.getDisplay().flush(resolve)),
        ),
      ),
    );
    const result = await pollFor(
      async () => {
        const r = await compare();
        return r.sameSize && r.different === 0 ? r : undefined;
      },
      "the live display to match the reference",
      30_000,
    ).catch(async (error: unknown) => {
      const r = await compare();
      throw new Error(`${String(error)}: ${r.different} pixels differ, ${r.width}x${r.height}`);
    });
    expect(result.width).toBe(1280);
    expect(result.height).toBe(800);
    expect(result.colors).toBeGreaterThan(50); // a busy desktop, not a blank or uniform canvas
    await writeFile(
      join(artifacts, `${kind}-vnc-display.png`),
      Buffer.from(result.png.split(",")[1]!, "base64"),
    );
    await page.screenshot({ path: join(artifacts, `${kind}-vnc-page.png`) });
  }, 150_000);

  it("records the session into a .guac file that Guacamole.SessionRecording replays to the same picture", async () => {
    const session = guacd.sim.simulator.sessions.find(
      (r) => r.protocol === "vnc" && r.end === undefined,
    );
    // One file per tunnel, so joiners never share one:
    // `<connection id, path-safe>-<tunnel uuid>.guac`.
    const prefix = `${session!.connectionId!.replace(/[^A-Za-z0-9-]/g, "")}-`;
    const names = (await readdir(recordings)).filter((f) => f.startsWith(prefix));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/-[0-9a-f-]{36}\.guac$/);
    const file = join(recordings, names[0]!);
    const bytes = await pollFor(
      async () => {
        const b = await readFile(file);
        return b.length >= reference.body.length - 2000 ? b : undefined; // flushed to disk
      },
      "the recording on disk",
      15_000,
    ).catch(async (error: unknown) => {
      const size = (await readFile(file)).length;
      throw new Error(`${String(error)}: ${size} of ${reference.body.length} bytes`);
    });
    await page.route("**/recording.guac", (route) =>
      route.fulfill({ status: 200, contentType: "text/plain", body: bytes }),
    );
    const replay = () =>
      page.evaluate(async () => {
        const G = window.Guacamole as unknown as {
          SessionRecording: new (
            blob: Blob,
          ) => {
            onload: (() => void) | null;
            onerror: ((message: string) => void) | null;
            getDuration(): number;
            seek(position: number, callback: () => void): void;
            getDisplay(): GuacDisplay;
          };
        };
        const blob = await (await fetch("recording.guac")).blob();
        const recording = new G.SessionRecording(blob);
        await new Promise<void>((resolve, reject) => {
          recording.onload = () => resolve();
          recording.onerror = (message) => reject(new Error(message));
        });
        await new Promise<void>((resolve) => recording.seek(recording.getDuration(), resolve));
        // Let the display finish decoding what the seek drew.
        await new Promise<void>((resolve) => recording.getDisplay().flush(resolve));
        const a = recording.getDisplay().flatten();
        const b = window.demo.client.getDisplay().flatten();
        const pa = a.getContext("2d")!.getImageData(0, 0, a.width, a.height).data;
        const pb = b.getContext("2d")!.getImageData(0, 0, b.width, b.height).data;
        let different = a.width === b.width && a.height === b.height ? 0 : -1;
        for (let i = 0; different >= 0 && i < pa.length; i += 4) {
          if (pa[i] !== pb[i] || pa[i + 1] !== pb[i + 1] || pa[i + 2] !== pb[i + 2]) different++;
        }
        return { duration: recording.getDuration(), width: a.width, different };
      });
    const result = await replay();
    expect(result.duration).toBeGreaterThan(1000); // the 3 s desktop recording, in ms
    expect(result.width).toBe(1280);
    expect(result.different).toBe(0);
  }, 60_000);

  it("sends mouse, keys and clipboard text with emoji to guacd, and shows guacd's clipboard", async () => {
    const live = () =>
      guacd.sim.simulator.sessions.find((s) => s.protocol === "vnc" && s.end === undefined);
    const session = await pollFor(live, "the live VNC session", 10_000);
    const box = (await page.locator("#display canvas").first().boundingBox())!;
    await page.mouse.move(box.x + 50, box.y + 40);
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.press("a");
    await page.fill("#clipboard-out", TO_REMOTE);
    await page.click("#clipboard-send");
    await pollFor(() => session.input.clipboard.includes(TO_REMOTE), "the clipboard at guacd");
    expect(session.input.mouse.length).toBeGreaterThan(0);
    expect(session.input.key.some((k) => k[0] === "97")).toBe(true); // keysym of "a"
    expect(guacd.sim.simulator.sendClipboard(session.connectionId!, FROM_REMOTE)).toBe(1);
    await page.waitForFunction(
      (text) => (document.querySelector("#clipboard-in") as HTMLTextAreaElement).value === text,
      FROM_REMOTE,
    );
    expect((await demoState(page)).clipboard).toContain(FROM_REMOTE);
    await page.screenshot({ path: join(artifacts, `${kind}-clipboard.png`) });
  }, 60_000);

  it("shows a remote title with an astral-plane character intact", async () => {
    const ssh = await openPage(`${broker.url}?profile=ssh`);
    try {
      await ssh.waitForFunction(() => window.demo.names.length > 0, null, { timeout: 30_000 });
      const { names } = await demoState(ssh);
      expect(names[0]).toBe(TITLE);
      expect(await ssh.textContent("#title")).toContain("🌍");
      await ssh.screenshot({ path: join(artifacts, `${kind}-ssh-title.png`) });
    } finally {
      await ssh.close();
    }
  }, 60_000);

  it("refuses a tampered token with a clear status and no connection to guacd", async () => {
    const token = await demoToken(broker.url);
    const i = token.length - 12;
    const tampered = token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
    const before = guacd.connections();
    const refused = await openPage(`${broker.url}?token=${encodeURIComponent(tampered)}`);
    try {
      await refused.waitForFunction(() => window.demo.error !== undefined, null, {
        timeout: 30_000,
      });
      const error = (await demoState(refused)).error!;
      if (kind === "node") {
        expect(error.code).toBe(GUACAMOLE_STATUS.CLIENT_UNAUTHORIZED); // from the close reason
        expect(await refused.textContent("#error")).toContain("769");
      } else {
        // Deno refuses before the upgrade (an open Deno WebSocket cannot be dropped): the page
        // sees a failed connection, not the status.
        expect(error.code).toBeGreaterThan(0);
      }
      expect(guacd.connections()).toBe(before);
      await refused.screenshot({ path: join(artifacts, `${kind}-refused.png`) });
    } finally {
      await refused.close();
    }
  }, 60_000);
});
