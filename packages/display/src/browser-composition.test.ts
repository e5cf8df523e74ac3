// Drawing operations the corpus does not use (channel masks, the 16 transfer functions, arcs,
// curves, strokes, clip, transforms, nested, shaded and distorted layers), drawn by this display and
// by guacamole-common-js 1.6 in headless Chromium, compared as the browser shows them: a screenshot
// of common-js's display element (the DOM composition, not its flatten()), both over white.

import { launchChromium } from "@guacstream/test-support";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { feedText } from "./_test-utils.ts";
import { openCommonJsPage } from "./compat/_common-js-page.ts";
import { HeadlessDisplay } from "./headless-display.ts";
import { compareImages } from "./image/_test-utils.ts";
import { decodePng } from "./image/png-decoder.ts";
import type { RgbaImage } from "./image/rgba-image.ts";

const W = 320;
const H = 240;

/** Guacamole text from `[opcode, ...args]` lists. */
function guac(...instructions: (string | number)[][]): string {
  return instructions
    .map(([opcode, ...args]) =>
      [opcode, ...args].map((v) => `${[...String(v)].length}.${String(v)}`).join(","),
    )
    .map((line) => `${line};`)
    .join("");
}

const fillRect = (
  layer: number,
  x: number,
  y: number,
  w: number,
  h: number,
  rgba: number[],
  mask = 14,
) => [
  ["rect", layer, x, y, w, h],
  ["cfill", mask, layer, ...rgba],
];

/** The scenes: each is drawn on top of the last and ends with a sync. */
const SCENES: Record<string, string> = {
  "channel masks and transfer functions": guac(
    ["size", 0, W, H],
    ...fillRect(0, 0, 0, W, H, [40, 60, 80, 255]),
    // Every channel mask, over opaque content of a buffer, copied onto the screen.
    ...[0x1, 0x2, 0x4, 0x6, 0x8, 0x9, 0xa, 0xb, 0xc, 0xe, 0xf].flatMap((mask, i) => [
      ...fillRect(-1 - i, 0, 0, 16, 16, [200, 30, 30, 255]),
      ...fillRect(-1 - i, 4, 4, 16, 16, [30, 200, 30, 255], mask),
      ["copy", -1 - i, 0, 0, 24, 24, 14, 0, 8 + i * 28, 8],
    ]),
    // The 16 transfer functions onto stripes.
    ...fillRect(-20, 0, 0, 16, 16, [0xf0, 0x0f, 0x55, 255]),
    ...Array.from({ length: 16 }, (_, fn) => [
      ...fillRect(0, 8 + fn * 19, 40, 16, 16, [0xcc, 0xaa, 0x33, 255]),
      ["transfer", -20, 0, 0, 16, 16, fn, 0, 8 + fn * 19, 40],
    ]).flat(),
    ["sync", 1],
  ),
  "paths, strokes, clip and transforms": guac(
    ["start", 0, 20, 80],
    ["line", 0, 120, 90],
    ["line", 0, 60, 140],
    ["close", 0],
    ["cfill", 14, 0, 250, 220, 10, 255],
    ["arc", 0, 200, 110, 30, 0, 4.5, 0],
    ["cstroke", 14, 0, 1, 2, 6, 10, 10, 240, 255],
    ["start", 0, 150, 200],
    ["curve", 0, 180, 150, 260, 240, 300, 170],
    ["cstroke", 14, 0, 0, 0, 3, 255, 255, 255, 255],
    ["start", 0, 20, 200],
    ["line", 0, 60, 160],
    ["line", 0, 100, 200],
    ["cstroke", 14, 0, 2, 1, 8, 0, 0, 0, 255],
    ["push", 0],
    ["arc", 0, 270, 60, 20, 0, 6.283185307179586, 0],
    ["clip", 0],
    ...fillRect(0, 240, 30, 60, 60, [255, 0, 255, 255]),
    ["pop", 0],
    ["transform", 0, 1, 0, 0, 1, 10, 150],
    ...fillRect(0, 100, 40, 30, 20, [0, 255, 255, 255]),
    ["identity", 0],
    ...fillRect(0, 0, 230, 10, 10, [255, 255, 255, 255]),
    ["sync", 2],
  ),
  "nested, shaded and distorted layers": guac(
    ["size", 1, 100, 70],
    ...fillRect(1, 0, 0, 100, 70, [255, 128, 0, 255]),
    ["move", 1, 0, 30, 60, 2],
    ["size", 2, 80, 50],
    ...fillRect(2, 0, 0, 80, 50, [0, 128, 255, 255]),
    ["move", 2, 1, 50, 40, 0], // half outside its parent: clipped by it
    ["shade", 1, 160],
    ["size", 3, 60, 40],
    ...fillRect(3, 0, 0, 60, 40, [20, 220, 120, 255]),
    ["move", 3, 0, 200, 150, 1],
    ["distort", 3, 0.8660254037844387, 0.5, -0.5, 0.8660254037844387, 0, 0],
    ["sync", 3],
  ),
};

/** The page's side: show common-js's display element and feed it a scene. */
function pageSide(): void {
  const G = (window as unknown as { Guacamole: Record<string, new (...a: unknown[]) => unknown> })
    .Guacamole;
  const tunnel = new (G.Tunnel as new () => Record<string, unknown>)();
  tunnel.connect = () => {};
  tunnel.sendMessage = () => {};
  tunnel.disconnect = () => {};
  const client = new (
    G.Client as new (
      t: unknown,
    ) => {
      connect(): void;
      getDisplay(): { getElement(): HTMLElement; flush(cb: () => void): void };
    }
  )(tunnel);
  client.connect();
  document.body.style.margin = "0";
  document.body.style.background = "white";
  document.body.appendChild(client.getDisplay().getElement());
  (window as unknown as { drawScene(text: string): Promise<void> }).drawScene = (text) => {
    const parser = new (
      G.Parser as new () => {
        oninstruction: (opcode: string, args: string[]) => void;
        receive(text: string): void;
      }
    )();
    parser.oninstruction = (opcode, args) =>
      (tunnel as unknown as { oninstruction(o: string, a: string[]): void }).oninstruction(
        opcode,
        args,
      );
    parser.receive(text);
    return new Promise<void>((resolve) => client.getDisplay().flush(resolve));
  };
}

/** Straight-alpha RGBA composited over white, as the page shows it. */
function overWhite(image: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(image.data.length);
  for (let i = 0; i < data.length; i += 4) {
    const a = (image.data[i + 3] as number) / 255;
    for (let c = 0; c < 3; c++)
      data[i + c] = Math.round((image.data[i + c] as number) * a + 255 * (1 - a));
    data[i + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}

/**
 * The documented tolerance: channel masks and transfer functions exact; paths anti-aliased their
 * own way (edge pixels); a shaded layer blended with one rounding instead of the browser's 8-bit
 * premultiplied steps (±2); a distorted layer sampled nearest rather than filtered (its edges).
 */
const TOLERANCE: Record<string, { max?: number; mean: number; different: number }> = {
  "channel masks and transfer functions": { max: 0, mean: 0, different: 0 },
  "paths, strokes, clip and transforms": { mean: 0.5, different: 0.02 },
  "nested, shaded and distorted layers": { mean: 0.5, different: 0.02 },
};

let browser: Browser | undefined;
let page: Page;
const report: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  page = await openCommonJsPage(browser, new Map());
  await page.setViewportSize({ width: W, height: H });
  await page.addScriptTag({ content: `(${pageSide.toString()})();` });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (report.length > 0) console.log(`ours vs the browser's composition:\n${report.join("\n")}`);
});

describe("drawing operations against guacamole-common-js in Chromium", () => {
  const display = new HeadlessDisplay({ decoder: null });
  it.each(Object.keys(SCENES))("%s", { timeout: 60_000 }, async (name) => {
    const text = SCENES[name] as string;
    feedText(display, text);
    await display.settled();
    await page.evaluate(
      (t) => (window as unknown as { drawScene(t: string): Promise<void> }).drawScene(t),
      text,
    );
    const theirs = await decodePng(
      new Uint8Array(await page.screenshot({ clip: { x: 0, y: 0, width: W, height: H } })),
    );
    const ours = overWhite(display.screenshot());
    const result = compareImages(ours, theirs, 2); // rounding aside
    report.push(
      `  ${name}: max |diff| ${result.maxError}, mean ${result.meanAbsoluteError.toFixed(4)}, pixels off by more than 2: ${(result.differingShare * 100).toFixed(3)}%`,
    );
    const bound = TOLERANCE[name] as { max?: number; mean: number; different: number };
    if (bound.max !== undefined) expect(result.maxError).toBeLessThanOrEqual(bound.max);
    expect(result.meanAbsoluteError).toBeLessThanOrEqual(bound.mean);
    expect(result.differingShare).toBeLessThanOrEqual(bound.different);
  });
});
