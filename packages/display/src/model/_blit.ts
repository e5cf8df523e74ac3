import { compositePixel, isUnbounded, operationCode } from "./_composite.ts";
import { invert, isIntegerTranslation, type Matrix } from "./_matrix.ts";
import type { PaintTarget } from "./_paint.ts";

/** Pixels to draw from: `width × height` straight-alpha RGBA, or `undefined` for all transparent. */
export interface PixelSource {
  readonly pixels: Uint8ClampedArray | undefined;
  readonly width: number;
  readonly height: number;
}

/**
 * Draws the `w × h` rectangle at (sx, sy) of `source` at (dx, dy) of the target through
 * transform `matrix`, with the target's composite operation and clip (a canvas's `drawImage`).
 * The source rectangle must lie inside the source. Whole-pixel translations map pixel to pixel
 * exactly; any other transform samples the nearest source pixel.
 */
export function drawPixels(
  target: PaintTarget,
  source: PixelSource,
  sx: number,
  sy: number,
  w: number,
  h: number,
  dx: number,
  dy: number,
  matrix: Matrix,
): void {
  const code = operationCode(target.operation);
  const unbounded = isUnbounded(target.operation);
  const { pixels, width, height, clip } = target;
  const src = source.pixels;
  if (isIntegerTranslation(matrix)) {
    const ox = dx + matrix[4];
    const oy = dy + matrix[5];
    const x0 = Math.max(0, ox);
    const y0 = Math.max(0, oy);
    const x1 = Math.min(width, ox + w);
    const y1 = Math.min(height, oy + h);
    if (unbounded) clearOutside(target, code, x0, y0, Math.max(x0, x1), Math.max(y0, y1));
    if (x1 <= x0) return;
    for (let y = y0; y < y1; y++) {
      let s = ((sy + y - oy) * source.width + (sx + x0 - ox)) * 4;
      let d = (y * width + x0) * 4;
      if (
        clip === undefined &&
        src !== undefined &&
        (code === 9 || (code === 0 && rowOpaque(src, s, x1 - x0)))
      ) {
        // The whole row replaces what was there: one block copy (memmove-safe for self-copies).
        pixels.set(src.subarray(s, s + (x1 - x0) * 4), d);
        continue;
      }
      for (let x = x0; x < x1; x++, s += 4, d += 4) {
        const cover = clip === undefined ? 1 : (clip[y * width + x] as number) / 255;
        if (cover === 0) continue;
        const a = src === undefined ? 0 : (src[s + 3] as number);
        if (cover === 1 && (code === 9 || (code === 0 && a === 255))) {
          if (src === undefined) {
            pixels[d] = pixels[d + 1] = pixels[d + 2] = pixels[d + 3] = 0;
          } else {
            pixels[d] = src[s] as number;
            pixels[d + 1] = src[s + 1] as number;
            pixels[d + 2] = src[s + 2] as number;
            pixels[d + 3] = a;
          }
          continue;
        }
        if (src === undefined) compositePixel(code, pixels, d, 0, 0, 0, 0, cover);
        else
          compositePixel(
            code,
            pixels,
            d,
            src[s] as number,
            src[s + 1] as number,
            src[s + 2] as number,
            a,
            cover,
          );
      }
    }
    return;
  }
  const inverse = invert(matrix);
  if (inverse === undefined) return;
  // Bounding box of the transformed destination rectangle (the whole canvas for unbounded ones).
  let bx0 = 0;
  let by0 = 0;
  let bx1 = width;
  let by1 = height;
  if (!unbounded) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [cx, cy] of [
      [dx, dy],
      [dx + w, dy],
      [dx, dy + h],
      [dx + w, dy + h],
    ] as const) {
      xs.push(matrix[0] * cx + matrix[2] * cy + matrix[4]);
      ys.push(matrix[1] * cx + matrix[3] * cy + matrix[5]);
    }
    bx0 = Math.max(0, Math.floor(Math.min(...xs)));
    by0 = Math.max(0, Math.floor(Math.min(...ys)));
    bx1 = Math.min(width, Math.ceil(Math.max(...xs)));
    by1 = Math.min(height, Math.ceil(Math.max(...ys)));
  }
  for (let y = by0; y < by1; y++) {
    for (let x = bx0; x < bx1; x++) {
      const cover = clip === undefined ? 1 : (clip[y * width + x] as number) / 255;
      if (cover === 0) continue;
      const px = x + 0.5;
      const py = y + 0.5;
      const u = Math.floor(inverse[0] * px + inverse[2] * py + inverse[4]) - dx;
      const v = Math.floor(inverse[1] * px + inverse[3] * py + inverse[5]) - dy;
      const d = (y * width + x) * 4;
      if (u < 0 || v < 0 || u >= w || v >= h || src === undefined) {
        if (unbounded || (src === undefined && u >= 0 && v >= 0 && u < w && v < h)) {
          compositePixel(code, pixels, d, 0, 0, 0, 0, cover);
        }
        continue;
      }
      const s = ((sy + v) * source.width + sx + u) * 4;
      compositePixel(
        code,
        pixels,
        d,
        src[s] as number,
        src[s + 1] as number,
        src[s + 2] as number,
        src[s + 3] as number,
        cover,
      );
    }
  }
}

/** For an unbounded operation: applies a transparent source everywhere outside [x0, x1) × [y0, y1). */
function clearOutside(
  target: PaintTarget,
  code: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): void {
  const { pixels, width, height, clip } = target;
  for (let y = 0; y < height; y++) {
    const inside = y >= y0 && y < y1;
    for (let x = 0; x < width; x++) {
      if (inside && x >= x0 && x < x1) {
        x = x1 - 1;
        continue;
      }
      const cover = clip === undefined ? 1 : (clip[y * width + x] as number) / 255;
      if (cover === 0) continue;
      const d = (y * width + x) * 4;
      if (cover === 1) pixels[d] = pixels[d + 1] = pixels[d + 2] = pixels[d + 3] = 0;
      else compositePixel(code, pixels, d, 0, 0, 0, 0, cover);
    }
  }
}

/** Whether `count` pixels from byte offset `s` are all opaque. */
function rowOpaque(src: Uint8ClampedArray, s: number, count: number): boolean {
  for (let i = s + 3, end = s + count * 4; i < end; i += 4) if (src[i] !== 255) return false;
  return true;
}
