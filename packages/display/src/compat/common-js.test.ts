// Every corpus recording rendered by our display and by guacamole-common-js 1.6 in headless
// Chromium, fed the same instructions, compared at sampled frames. PNG content must be identical;
// WebP (lossy) goes through libwebp in both, but each build converts YUV to RGB its own way, so
// those recordings get a tolerance (see TOLERANCE).
import { readFile } from "node:fs/promises";
import { encodeInstruction } from "@guacstream/codec";
import { launchChromium } from "@guacstream/test-support";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compareImages,
  corpusFile,
  type ImageDifference,
  RECORDINGS,
} from "../image/_test-utils.ts";
import { decodePng } from "../image/png-decoder.ts";
import type { RgbaImage } from "../image/rgba-image.ts";
import { type RecordingFrame, renderRecording } from "../recording/render-recording.ts";
import { openCommonJsPage, recordingUrl } from "./_common-js-page.ts";

/** Largest mean absolute difference per channel allowed (0..255 scale). */
const TOLERANCE = { meanAbsolute: 1, maxShareDifferent: 0.05 } as const;

/** Up to five frames spread over the recording, always the first and the last. */
function samples(syncs: number): number[] {
  return [
    ...new Set(
      [1, 0.25, 0.5, 0.75, 1].map((f, i) => (i === 0 ? 1 : Math.max(1, Math.round(f * syncs)))),
    ),
  ];
}

/**
 * The corpus has no JPEG (its client took WebP): a recording of JPEG tiles made by libjpeg, a
 * gradient and noise, drawn over a PNG-free background, as guacd sends busy regions.
 */
async function jpegRecording(): Promise<Uint8Array> {
  const { default: encode, init } = await import("@jsquash/jpeg/encode.js");
  const wasm = new URL(import.meta.resolve("@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm"));
  await init(await WebAssembly.compile(await readFile(wasm)));
  const parts = [encodeInstruction({ opcode: "size", args: ["0", "256", "128"] })];
  for (let tile = 0; tile < 8; tile++) {
    const data = new Uint8ClampedArray(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) {
      const noise = (i * 2654435761 + tile * 97) % 61;
      data.set([(i % 64) * 4, (Math.floor(i / 64) * 4 + noise) % 256, tile * 32, 255], i * 4);
    }
    const jpeg = Buffer.from(
      await encode({ width: 64, height: 64, data, colorSpace: "srgb" }, { quality: 40 + tile * 8 }),
    );
    const [x, y] = [(tile % 4) * 64, Math.floor(tile / 4) * 64];
    parts.push(
      encodeInstruction({
        opcode: "img",
        args: [String(tile), "14", "0", "image/jpeg", String(x), String(y)],
      }),
      encodeInstruction({ opcode: "blob", args: [String(tile), jpeg.toString("base64")] }),
      encodeInstruction({ opcode: "end", args: [String(tile)] }),
      encodeInstruction({ opcode: "sync", args: [String(1000 + tile * 100), "1"] }),
    );
  }
  return new TextEncoder().encode(parts.join(""));
}

const JPEG = "synthetic-jpeg-tiles.guac";
let browser: Browser;
let page: Page;
const recordings = new Map(RECORDINGS.map((name) => [name, corpusFile(name)]));
const report: string[] = [];

beforeAll(async () => {
  recordings.set(JPEG, await jpegRecording());
  browser = await launchChromium();
  page = await openCommonJsPage(browser, recordings);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (report.length > 0) console.log(`ours vs guacamole-common-js 1.6:\n${report.join("\n")}`);
});

describe("against guacamole-common-js in Chromium", () => {
  it.each([...RECORDINGS, JPEG])(
    "%s shows the same pixels at sampled frames",
    { timeout: 60_000 },
    async (name) => {
      const bytes = recordings.get(name) as Uint8Array;
      const text = new TextDecoder().decode(bytes);
      const syncs = (text.match(/4\.sync,/g) ?? []).length;
      const lossy = /1[01]\.image\/(webp|jpeg)/.test(text);
      const wanted = samples(syncs);
      const ours = new Map<number, RecordingFrame>();
      for await (const frame of renderRecording([bytes], { everyFrame: true, cursor: false })) {
        if (wanted.includes(frame.frame)) ours.set(frame.frame, frame);
      }
      await page.evaluate((url) => window.load(url), recordingUrl(name));
      const results: ImageDifference[] = [];
      for (const k of wanted) {
        const url = await page.evaluate((n) => window.advance(n), k);
        const mine = ours.get(k);
        if (url === "") {
          expect(mine).toBeUndefined(); // both empty: nothing sized yet
          continue;
        }
        const theirs = await decodePng(
          new Uint8Array(Buffer.from(url.slice(url.indexOf(",") + 1), "base64")),
        );
        expect(mine, `frame ${k}`).toBeDefined();
        results.push(compareImages(mine?.image as RgbaImage, theirs));
        // A blank frame would match anything: the last one must show a picture.
        if (k === syncs) {
          const colours = new Set<number>();
          for (let i = 0; i < theirs.data.length; i += 4 * 97) {
            colours.add(
              ((theirs.data[i] as number) << 16) |
                ((theirs.data[i + 1] as number) << 8) |
                (theirs.data[i + 2] as number),
            );
          }
          expect(colours.size).toBeGreaterThan(8);
        }
      }
      const max = Math.max(...results.map((r) => r.maxError));
      const mean = Math.max(...results.map((r) => r.meanAbsoluteError));
      const different = Math.max(...results.map((r) => r.differingShare));
      report.push(
        `  ${name}: frames ${wanted.join(",")} of ${syncs}; max |diff| ${max}, mean ${mean.toFixed(4)}, pixels differing ${(different * 100).toFixed(3)}%${lossy ? " (lossy images)" : ""}`,
      );
      expect(results.length).toBeGreaterThan(0);
      if (lossy) {
        expect(mean).toBeLessThanOrEqual(TOLERANCE.meanAbsolute);
        expect(different).toBeLessThanOrEqual(TOLERANCE.maxShareDifferent);
      } else {
        expect(max).toBe(0);
      }
    },
  );
});
