/**
 * The browser's client beside ours on the same guacd: guacamole-common-js in headless Chromium,
 * through the example Node broker configured as in production (a token secret, tokens sealed by
 * the application, here the bench; no demo token endpoint; the page's WebSocket tunnel). It is
 * given the same inputs as ours at one session and timed the same way: from sending the input to
 * the first animation frame after which the canvas pixels where it lands differ, read from the
 * client's display in the page and timed there with `performance.now()`. CPU is Chromium's whole
 * process tree (renderer, GPU and utility processes draw too) and, apart, the broker's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { HeadlessDisplay } from "@guacstream/display";
import { launchChromium } from "@guacstream/test-support";
import { generateTokenSecret, importTokenKey, sealToken } from "@guacstream/tunnel";
import type { Browser, Page } from "playwright-core";
import { REPO_ROOT } from "../e2e/target.ts";
import { chromiumCpuMs, treeCpuMs } from "../harness/process-cpu.ts";
import type { Rect } from "./pixels.ts";
import { type Percentiles, percentiles, sleep } from "./ramp.ts";
import type { GuacdTarget } from "./targets.ts";

/** How the browser's inputs reach guacd, for the report. */
export const BROWSER_PATH =
  "guacamole-common-js 1.6 in headless Chromium → example Node broker (token secret, WebSocket tunnel) → guacd";

/** One client's input-to-photon and CPU over the same inputs. */
export interface ClientFigures {
  /** Input to the first frame (ours) or animation frame (the browser) whose pixels changed where it lands. */
  readonly photonMs: Percentiles & { readonly sent: number; readonly unchanged: number };
  /** CPU ms per second while the inputs ran: this process (ours), Chromium's process tree (the browser). */
  readonly cpuMsPerSecond: number;
  /** The broker's CPU ms per second meanwhile (the browser's only: ours connects to guacd). */
  readonly brokerCpuMsPerSecond?: number;
}

/** One input as both clients send it. */
export type PhotonInput = { readonly keysym: number } | { readonly x: number; readonly y: number };

/** What the page answers for one input: ms, or null when nothing changed in time. */
type PagePhoton = number | null;

interface RunningBroker {
  readonly url: string;
  readonly child: ChildProcess;
}

/** Thrown when the broker cannot start, the page cannot connect, or no input could be sent. */
export class BrowserClientError extends Error {
  readonly code: "broker-start" | "connect" | "no-time";
  override readonly name = "BrowserClientError";
  constructor(code: BrowserClientError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/** Starts the example broker in front of `guacd`; resolves with its page URL once it listens. */
async function startBroker(
  guacd: { readonly host: string; readonly port: number },
  secret: string,
  timeoutMs: number,
): Promise<RunningBroker> {
  const child = spawn(
    process.execPath,
    ["--conditions=@guacstream/source", "--import", "tsx", "examples/broker-node/src/main.ts"],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        METRICS_PORT: "0",
        GUACD_HOST: guacd.host,
        GUACD_PORT: String(guacd.port),
        GUACSTREAM_TOKEN_SECRET: secret,
        DEMO_TOKENS: "",
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return new Promise<RunningBroker>((resolve, reject) => {
    let output = "";
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill();
      reject(new BrowserClientError("broker-start", `Cannot start the broker: ${why}`));
    };
    const timer = setTimeout(() => fail(`no URL within ${timeoutMs} ms`), timeoutMs);
    child.once("exit", (code) => fail(`it exited with ${code}: ${output.slice(-300)}`));
    const read = (data: Buffer): void => {
      output += data.toString();
      const match = /Open (http:\/\/\S+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.stdout!.off("data", read);
      child.stderr!.off("data", read);
      // Its per-tunnel log lines are not read: drained so the pipe never fills.
      child.stdout!.resume();
      child.stderr!.resume();
      resolve({ url: match[1]!.endsWith("/") ? match[1]! : `${match[1]}/`, child });
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
  });
}

// The page's side. These run in Chromium (serialised with toString), so they use only what the
// page has: guacamole-common-js, loaded from the broker as the demo page loads it.
interface PageState {
  connect(token: string): Promise<void>;
  settle(stableMs: number, timeoutMs: number): Promise<void>;
  photon(input: PhotonInput, rect: Rect | null, timeoutMs: number): Promise<PagePhoton>;
  disconnect(): void;
}
declare global {
  interface Window {
    benchClient: PageState;
  }
}

async function pageSetup(): Promise<void> {
  type Gcj = {
    WebSocketTunnel: new (url: string) => unknown;
    Client: new (
      tunnel: unknown,
    ) => {
      connect(data: string): void;
      disconnect(): void;
      getDisplay(): {
        flatten(): HTMLCanvasElement;
        flush(callback: () => void): void;
      };
      sendKeyEvent(pressed: number, keysym: number): void;
      sendMouseState(state: unknown): void;
      onsync: (() => void) | null;
      onstatechange: ((state: number) => void) | null;
      onerror: ((status: { code: number; message: string }) => void) | null;
    };
    Mouse: { State: new (template: Record<string, unknown>) => unknown };
  };
  const G = (await import("/vendor/guacamole-common.js" as string)) as Gcj;
  let client: InstanceType<Gcj["Client"]> | undefined;
  let syncs = 0;
  let lastSync = 0;
  const pixels = (rect: Rect | null): Uint32Array => {
    const canvas = client!.getDisplay().flatten();
    const r = rect ?? { x: 0, y: 0, width: canvas.width, height: canvas.height };
    const width = Math.max(1, Math.min(r.width, canvas.width - r.x));
    const height = Math.max(1, Math.min(r.height, canvas.height - r.y));
    const data = canvas.getContext("2d")!.getImageData(r.x, r.y, width, height).data;
    return new Uint32Array(data.buffer, data.byteOffset, data.length >> 2);
  };
  const differ = (a: Uint32Array, b: Uint32Array): boolean => {
    if (a.length !== b.length) return true;
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return true;
    return false;
  };
  window.benchClient = {
    connect: (token) =>
      new Promise<void>((resolve, reject) => {
        client = new G.Client(new G.WebSocketTunnel("tunnel"));
        client.onsync = () => {
          syncs++;
          lastSync = performance.now();
        };
        // 3: connected (the first frame came); 5: disconnected.
        client.onstatechange = (state) => {
          if (state === 3) resolve();
          else if (state === 5) reject(new Error("disconnected before the first frame"));
        };
        client.onerror = (status) => reject(new Error(`status ${status.code}: ${status.message}`));
        client.connect(new URLSearchParams({ token, width: "1024", height: "768" }).toString());
      }),
    settle: async (stableMs, timeoutMs) => {
      const until = performance.now() + timeoutMs;
      while (performance.now() < until && performance.now() - lastSync < stableMs) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    photon: async (input, rect, timeoutMs) => {
      const display = client!.getDisplay();
      await new Promise<void>((resolve) => display.flush(resolve));
      const before = pixels(rect);
      const syncsBefore = syncs;
      const sent = performance.now();
      if ("keysym" in input) client!.sendKeyEvent(1, input.keysym);
      else client!.sendMouseState(new G.Mouse.State({ x: input.x, y: input.y }));
      const ms = await new Promise<PagePhoton>((resolve) => {
        const frame = (): void => {
          const now = performance.now();
          // A frame changes pixels only after a sync; until one came there is nothing to read.
          if (syncs > syncsBefore && differ(pixels(rect), before)) resolve(now - sent);
          else if (now - sent > timeoutMs) resolve(null);
          else requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
      });
      if ("keysym" in input) client!.sendKeyEvent(0, input.keysym);
      return ms;
    },
    disconnect: () => client?.disconnect(),
  };
}

/** The example broker and a headless Chromium, started once for a run and reused per target. */
export class BrowserClient {
  readonly #browser: Browser;
  readonly #secret: string;
  readonly #brokers = new Map<string, Promise<RunningBroker>>();

  private constructor(browser: Browser, secret: string) {
    this.#browser = browser;
    this.#secret = secret;
  }

  /** Launches Chromium and a broker for each guacd of `targets`, in parallel. */
  static async start(targets: readonly GuacdTarget[], timeoutMs: number): Promise<BrowserClient> {
    const secret = generateTokenSecret();
    const launched = launchChromium({ extraArgs: ["--disable-dev-shm-usage"], timeoutMs });
    const client = new BrowserClient(await launched, secret);
    for (const t of targets) client.#broker(t, timeoutMs).catch(() => {});
    try {
      await Promise.all(targets.map((t) => client.#broker(t, timeoutMs)));
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  #broker(target: GuacdTarget, timeoutMs: number): Promise<RunningBroker> {
    const key = `${target.host}:${target.port}`;
    let broker = this.#brokers.get(key);
    if (broker === undefined) {
      broker = startBroker(target, this.#secret, timeoutMs);
      this.#brokers.set(key, broker);
    }
    return broker;
  }

  /**
   * Connects the browser's client to `target`, waits for its first screen to be still for
   * `stableMs` (at most `settleMs`), then sends `inputs` one after another, `gapMs` apart, each
   * timed to the changed pixels in `rectOf(input)` (whole screen: undefined), until `until`.
   */
  async measure(
    target: GuacdTarget,
    inputs: readonly PhotonInput[],
    options: {
      readonly rectOf: (input: PhotonInput) => Rect | undefined;
      /** How long an input may take to change pixels. */
      readonly timeoutOf: (input: PhotonInput) => number;
      /** Broker start and connection time limit. */
      readonly timeoutMs: number;
      readonly gapMs: number;
      readonly stableMs: number;
      readonly settleMs: number;
      readonly until: number;
      readonly signal: AbortSignal;
    },
  ): Promise<ClientFigures> {
    const broker = await this.#broker(target, options.timeoutMs);
    const key = await importTokenKey(this.#secret);
    const token = await sealToken(key, {
      protocol: target.protocol,
      parameters: target.parameters,
      width: 1024,
      height: 768,
      // The image types ours advertises: both clients get the same encodings.
      image: [...new HeadlessDisplay().mimetypes],
    });
    const page: Page = await this.#browser.newPage();
    try {
      // The functions below reach the page as text; a helper the TypeScript loader may wrap
      // them in (to keep their names) is not there.
      await page.addInitScript({ content: "globalThis.__name = (f) => f;" });
      // The broker's origin, without its demo app: the page holds only the library.
      await page.goto(`${broker.url}style.css`);
      await page.evaluate(`(${pageSetup.toString()})()`);
      await page
        .evaluate((t) => window.benchClient.connect(t), token)
        .catch((error: Error) => {
          throw new BrowserClientError(
            "connect",
            `Cannot connect the browser's client: ${error.message}`,
          );
        });
      await page.evaluate(
        ([stable, settle]) => window.benchClient.settle(stable!, settle!),
        [options.stableMs, options.settleMs],
      );
      const photons: number[] = [];
      let sent = 0;
      const cpu = chromiumCpuMs();
      const brokerCpu = treeCpuMs(broker.child.pid!);
      const from = performance.now();
      for (const input of inputs) {
        if (performance.now() > options.until || options.signal.aborted) break;
        sent++;
        const ms = await page.evaluate(
          ([i, r, t]) => window.benchClient.photon(i as PhotonInput, r as Rect | null, t as number),
          [input, options.rectOf(input) ?? null, options.timeoutOf(input)] as const,
        );
        if (ms !== null) photons.push(ms);
        await sleep(options.gapMs, options.signal);
      }
      const seconds = (performance.now() - from) / 1000;
      if (sent === 0) throw new BrowserClientError("no-time", "no time left for an input");
      return {
        photonMs: { ...percentiles(photons), sent, unchanged: sent - photons.length },
        cpuMsPerSecond: (chromiumCpuMs() - cpu) / seconds,
        brokerCpuMsPerSecond: (treeCpuMs(broker.child.pid!) - brokerCpu) / seconds,
      };
    } finally {
      await page.evaluate(() => window.benchClient?.disconnect()).catch(() => {});
      await page.close().catch(() => {});
    }
  }

  /** Closes Chromium and stops the brokers (which close their tunnels to guacd). */
  async close(): Promise<void> {
    await this.#browser.close().catch(() => {});
    await Promise.all(
      [...this.#brokers.values()].map(async (starting) => {
        const broker = await starting.catch(() => undefined);
        if (broker === undefined || broker.child.exitCode !== null) return;
        const exited = new Promise((resolve) => broker.child.once("exit", resolve));
        broker.child.kill("SIGTERM");
        await exited;
      }),
    );
  }
}
