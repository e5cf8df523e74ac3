/**
 * Display speed, measured: each recording rendered as fast as possible by @guacstream/display's
 * HeadlessDisplay (in its own warmed Node process) and by guacamole-common-js in headless Chromium,
 * in interleaved rounds; and a recording replayed at its recorded pace, CPU over wall time.
 * `render-bench.ts` (the standalone script) and `section.ts` (the bench's `display` section) use it.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM_PATH, launchChromium } from "@guacstream/test-support";
import type { Browser } from "playwright-core";
import { corpusDir } from "../harness/corpus.ts";
import { chromiumCpuMs } from "../harness/process-cpu.ts";
import { openPage } from "./_common-js.ts";
import type { RenderResult, ToRenderChild } from "./_render-child.ts";

/** The 1280×800 desktop whose recorded pace the CPU-share bound is about. */
export const PACED_RECORDING = "vnc-desktop-20s.s2c.guac";

/** How one measurement is run. */
export interface DisplayMeasureOptions {
  /** Corpus file names (relative to the corpus folder) to render as fast as possible. */
  readonly recordings: readonly string[];
  readonly rounds: number;
  readonly warmup: number;
  /** Blob payloads as bytes from the codec, or as base64 strings the display decodes. */
  readonly wire: "bytes" | "strings";
  /** Replay {@link PACED_RECORDING} at its pace for at most this many seconds; undefined: not at all. */
  readonly paceSeconds?: number | undefined;
  /** Called as each recording starts and ends (progress and printing). */
  readonly onStep?: (label: string) => void;
  readonly onRow?: (row: DisplayRow) => void;
  readonly signal?: AbortSignal | undefined;
}

/** A median with the fastest and slowest round. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** One renderer's figures on one recording. */
export interface RendererFigures {
  readonly fps: number;
  readonly cpuMsPerMb: number;
  readonly wallMs: readonly number[];
}

export interface DisplayRow {
  readonly recording: string;
  readonly mb: number;
  readonly frames: number;
  /** Instructions the display refused (recorded in the child, e.g. an unknown image type). */
  readonly skipped: number;
  readonly ours: RendererFigures;
  /** Peak bytes our layers held, and the screen they were for. */
  readonly memory: { readonly peakBytes: number; readonly width: number; readonly height: number };
  /** Absent when common-js was not measured (no Chromium). */
  readonly commonJs?: RendererFigures;
  /** common-js wall / ours wall per round (> 1: ours faster). */
  readonly ratio?: Spread;
  /** The same with CPU time, steadier on a shared machine. */
  readonly cpuRatio?: Spread;
}

export interface PacedFigures {
  readonly recording: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** CPU ms / wall ms: the share of one core. */
  readonly share: number;
  readonly frames: number;
}

export interface DisplayMeasurement {
  readonly rows: readonly DisplayRow[];
  readonly paced?: PacedFigures;
  /** Why common-js was not measured, when it was not. */
  readonly commonJsMissing?: string;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** Our display, alone in a child process, rendering one recording on command. */
class RenderChild {
  readonly #child: ChildProcess;
  readonly ready: Promise<void>;
  #waiting: ((result: RenderResult) => void) | undefined;
  #failed: ((error: Error) => void) | undefined;

  constructor(file: string, wire: "bytes" | "strings") {
    this.#child = fork(
      fileURLToPath(new URL("./_render-child.ts", import.meta.url)),
      [file, wire],
      {
        execArgv: ["--import", "tsx", "--conditions=@guacstream/source"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    this.ready = new Promise((resolve, reject) => {
      this.#child.once("message", () => resolve());
      this.#child.once("exit", (code) => reject(new Error(`render child exited (${code})`)));
    });
    this.ready.catch(() => {});
    this.#child.on("message", (message) => {
      if ("wallMs" in (message as object)) this.#waiting?.(message as RenderResult);
    });
    this.#child.on("exit", (code) => this.#failed?.(new Error(`render child exited (${code})`)));
  }

  run(message: Exclude<ToRenderChild, { kind: "exit" }>): Promise<RenderResult> {
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failed = reject;
      this.#child.send(message);
    });
  }

  close(): void {
    this.#failed = undefined;
    if (this.#child.connected) this.#child.send({ kind: "exit" } satisfies ToRenderChild);
    else this.#child.kill();
  }
}

/** Opens Chromium, or says why not (then common-js is not measured, the rest still is). */
async function openBrowser(): Promise<Browser | string> {
  if (!existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH}`;
  try {
    return await launchChromium();
  } catch (error) {
    return `Chromium did not start: ${(error as Error).message.split("\n")[0]}`;
  }
}

async function measureRecording(
  name: string,
  options: DisplayMeasureOptions,
  browser: Browser | undefined,
): Promise<DisplayRow> {
  const path = join(corpusDir(), name);
  const bytes = new Uint8Array(readFileSync(path));
  const mb = bytes.length / 1e6;
  const child = new RenderChild(path, options.wire);
  try {
    await child.ready;
    const page = browser === undefined ? undefined : await openPage(browser, bytes);
    try {
      for (let i = 0; i < options.warmup; i++) {
        await child.run({ kind: "render" });
        await page?.evaluate(() => window.renderRecording());
      }
      const ours: RenderResult[] = [];
      const theirs: { wallMs: number; cpuMs: number; frames: number }[] = [];
      for (let round = 0; round < options.rounds; round++) {
        if (options.signal?.aborted === true) break;
        ours.push(await child.run({ kind: "render" }));
        if (page === undefined) continue;
        const cpu = chromiumCpuMs();
        const result = await page.evaluate(() => window.renderRecording());
        theirs.push({ ...result, cpuMs: chromiumCpuMs() - cpu });
      }
      const frames = ours[0]?.frames ?? 0;
      const memory = {
        peakBytes: Math.max(...ours.map((o) => o.peakBytes)),
        width: ours[0]?.width ?? 0,
        height: ours[0]?.height ?? 0,
      };
      const row: DisplayRow = {
        recording: name,
        mb,
        frames,
        skipped: ours[0]?.skipped ?? 0,
        ours: {
          fps: frames / (median(ours.map((o) => o.wallMs)) / 1000),
          cpuMsPerMb: median(ours.map((o) => o.cpuMs)) / mb,
          wallMs: ours.map((o) => o.wallMs),
        },
        memory,
        ...(theirs.length === 0
          ? {}
          : {
              commonJs: {
                fps: (theirs[0]?.frames ?? 0) / (median(theirs.map((t) => t.wallMs)) / 1000),
                cpuMsPerMb: median(theirs.map((t) => t.cpuMs)) / mb,
                wallMs: theirs.map((t) => t.wallMs),
              },
              ratio: spread(ours.map((o, i) => (theirs[i]?.wallMs ?? 0) / o.wallMs)),
              cpuRatio: spread(ours.map((o, i) => (theirs[i]?.cpuMs ?? 0) / o.cpuMs)),
            }),
      };
      return row;
    } finally {
      await page?.close();
    }
  } finally {
    child.close();
  }
}

async function measurePace(options: DisplayMeasureOptions): Promise<PacedFigures> {
  const child = new RenderChild(join(corpusDir(), PACED_RECORDING), options.wire);
  try {
    await child.ready;
    await child.run({ kind: "render" }); // warm: WASM compiled, code optimised
    const result = await child.run({
      kind: "pace",
      ...(options.paceSeconds === undefined ? {} : { seconds: options.paceSeconds }),
    });
    return {
      recording: PACED_RECORDING,
      wallMs: result.wallMs,
      cpuMs: result.cpuMs,
      share: result.cpuMs / result.wallMs,
      frames: result.frames,
    };
  } finally {
    child.close();
  }
}

/**
 * Renders each recording with ours and (when Chromium is there) common-js, then the paced replay.
 *
 * @example
 * ```ts
 * import { measureDisplay } from "./measure.ts";
 * const m = await measureDisplay({ recordings: ["vnc-required.s2c.guac"], rounds: 1, warmup: 0, wire: "bytes" });
 * if (m.rows[0]?.frames === 0) throw new Error("nothing rendered");
 * ```
 */
export async function measureDisplay(options: DisplayMeasureOptions): Promise<DisplayMeasurement> {
  const rows: DisplayRow[] = [];
  const opened = options.recordings.length === 0 ? "no recordings" : await openBrowser();
  const browser = typeof opened === "string" ? undefined : opened;
  try {
    for (const name of options.recordings) {
      if (options.signal?.aborted === true) break;
      options.onStep?.(`render ${name}`);
      const row = await measureRecording(name, options, browser);
      rows.push(row);
      options.onRow?.(row);
    }
  } finally {
    await browser?.close();
  }
  let paced: PacedFigures | undefined;
  if (options.paceSeconds !== undefined && options.signal?.aborted !== true) {
    options.onStep?.(`${PACED_RECORDING} at its recorded pace`);
    paced = await measurePace(options);
  }
  return {
    rows,
    ...(paced === undefined ? {} : { paced }),
    ...(typeof opened === "string" && options.recordings.length > 0
      ? { commonJsMissing: opened }
      : {}),
  };
}

/** The corpus files the display renders: the server-to-client recordings and the native ones. */
export function displayRecordings(files: readonly string[]): string[] {
  return files.filter((f) => f.endsWith(".s2c.guac") || f.startsWith("native/"));
}
