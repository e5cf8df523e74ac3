import type { RgbaImage } from "../image/rgba-image.ts";
import { drawLabel, labelWidth } from "./_digits.ts";
import type { RecordingFrame } from "./render-recording.ts";

/**
 * Options of {@linkcode contactSheet}.
 */
export interface ContactSheetOptions {
  /** Thumbnails per row. @default {Math.ceil(Math.sqrt(frames.length))} */
  readonly columns?: number;
  /** Each thumbnail's width in pixels; the height keeps the frame's aspect. @default {320} */
  readonly thumbnailWidth?: number;
  /** Print each frame's time (seconds) under it, in a small built-in pixel font. @default {true} */
  readonly labels?: boolean;
}

const GAP = 8;
const SCALE = 2;
const LABEL_HEIGHT = 5 * SCALE + 6;
const BACKGROUND = [32, 32, 32, 255] as const;
const INK = [230, 230, 230, 255] as const;

/** Scales `image` to `width`×`height` by averaging the source pixels each target pixel covers. */
function thumbnail(image: RgbaImage, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / width));
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const i = (sy * image.width + sx) * 4;
          const alpha = image.data[i + 3] as number;
          r += (image.data[i] as number) * alpha;
          g += (image.data[i + 1] as number) * alpha;
          b += (image.data[i + 2] as number) * alpha;
          a += alpha;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 4;
      if (a > 0) {
        out[o] = r / a;
        out[o + 1] = g / a;
        out[o + 2] = b / a;
      }
      out[o + 3] = a / n;
    }
  }
  return out;
}

/**
 * Lays frames out on one image: a grid of thumbnails, each with its time under it in seconds
 * (drawn with a tiny built-in digit font, so no text renderer is needed), on a dark background.
 *
 * @example A sheet of two frames
 * ```ts
 * import assert from "node:assert/strict";
 * import { contactSheet } from "@guacstream/display";
 *
 * const white = { width: 40, height: 20, data: new Uint8ClampedArray(40 * 20 * 4).fill(255) };
 * const sheet = contactSheet(
 *   [{ time: 0, frame: 1, image: white }, { time: 1500, frame: 2, image: white }],
 *   { thumbnailWidth: 20, columns: 2 },
 * );
 * assert.equal(sheet.width, 8 + 2 * (20 + 8));
 * assert.deepEqual([...sheet.data.subarray((8 * sheet.width + 8) * 4, (8 * sheet.width + 8) * 4 + 4)], [255, 255, 255, 255]);
 * ```
 */
export function contactSheet(
  frames: readonly RecordingFrame[],
  options: ContactSheetOptions = {},
): RgbaImage {
  const count = Math.max(1, frames.length);
  const columns = Math.max(1, Math.min(count, options.columns ?? Math.ceil(Math.sqrt(count))));
  const rows = Math.ceil(count / columns);
  const thumbWidth = Math.max(1, Math.floor(options.thumbnailWidth ?? 320));
  const first = frames[0]?.image;
  const thumbHeight = Math.max(
    1,
    first === undefined ? thumbWidth : Math.round((thumbWidth * first.height) / first.width),
  );
  const labels = options.labels ?? true;
  const cellHeight = thumbHeight + (labels ? LABEL_HEIGHT : 0);
  const width = GAP + columns * (thumbWidth + GAP);
  const height = GAP + rows * (cellHeight + GAP);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(BACKGROUND, i * 4);
  frames.forEach((frame, n) => {
    const left = GAP + (n % columns) * (thumbWidth + GAP);
    const top = GAP + Math.floor(n / columns) * (cellHeight + GAP);
    const pixels = thumbnail(frame.image, thumbWidth, thumbHeight);
    for (let y = 0; y < thumbHeight; y++) {
      for (let x = 0; x < thumbWidth; x++) {
        const s = (y * thumbWidth + x) * 4;
        const alpha = (pixels[s + 3] as number) / 255;
        const o = ((top + y) * width + left + x) * 4;
        for (let c = 0; c < 3; c++) {
          data[o + c] = (pixels[s + c] as number) * alpha + (BACKGROUND[c] as number) * (1 - alpha);
        }
      }
    }
    if (labels) {
      const text = `${(frame.time / 1000).toFixed(frame.time % 1000 === 0 ? 0 : 1)}s`;
      const x = left + Math.max(0, Math.floor((thumbWidth - labelWidth(text, SCALE)) / 2));
      drawLabel(data, width, height, text, x, top + thumbHeight + 3, SCALE, INK);
    }
  });
  return { width, height, data };
}
