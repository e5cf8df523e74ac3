import {
  type CompositeOperation,
  compositePixel,
  isUnbounded,
  operationCode,
} from "./_composite.ts";
import { invert, type Matrix } from "./_matrix.ts";
import type { CoverageMask } from "./_rasterize.ts";

/** What a fill or stroke paints with: one straight-alpha colour, or a repeating pattern. */
export type PaintSource =
  | {
      readonly kind: "color";
      readonly r: number;
      readonly g: number;
      readonly b: number;
      readonly a: number;
    }
  | {
      readonly kind: "pattern";
      readonly pixels: Uint8ClampedArray | undefined;
      readonly width: number;
      readonly height: number;
      /** Device → pattern space (the inverse of the transform at the time of the fill). */
      readonly inverse: Matrix;
    };

/** Where and how to paint: the canvas pixels and its size, the operation and clip. */
export interface PaintTarget {
  readonly pixels: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly operation: CompositeOperation;
  readonly clip: Uint8Array | undefined;
}

/**
 * Paints `source` through coverage `mask` onto the target with its composite operation and clip.
 * An unbounded operation (`copy`, `source-in`, …) also acts where the mask does not cover, inside
 * the clip, as a canvas does.
 */
export function paintMask(
  target: PaintTarget,
  mask: CoverageMask | undefined,
  source: PaintSource,
): void {
  const { pixels, width, height, clip } = target;
  const code = operationCode(target.operation);
  const unbounded = isUnbounded(target.operation);
  const x0 = unbounded ? 0 : (mask?.left ?? 0);
  const y0 = unbounded ? 0 : (mask?.top ?? 0);
  const x1 = unbounded ? width : mask === undefined ? 0 : mask.left + mask.width;
  const y1 = unbounded ? height : mask === undefined ? 0 : mask.top + mask.height;
  const pattern = source.kind === "pattern" ? source : undefined;
  let r = source.kind === "color" ? source.r : 0;
  let g = source.kind === "color" ? source.g : 0;
  let b = source.kind === "color" ? source.b : 0;
  let a = source.kind === "color" ? source.a : 0;
  for (let y = y0; y < y1; y++) {
    const inMaskRow = mask !== undefined && y >= mask.top && y < mask.top + mask.height;
    for (let x = x0; x < x1; x++) {
      let shape = 0;
      if (inMaskRow && x >= mask.left && x < mask.left + mask.width) {
        shape = mask.cover[(y - mask.top) * mask.width + (x - mask.left)] as number;
      }
      const clipCover = clip === undefined ? 1 : (clip[y * width + x] as number) / 255;
      if (clipCover === 0 || (shape === 0 && !unbounded)) continue;
      if (pattern !== undefined) {
        if (shape === 0) {
          a = 0;
        } else {
          const m = pattern.inverse;
          const px = x + 0.5;
          const py = y + 0.5;
          const u = wrap(Math.floor(m[0] * px + m[2] * py + m[4]), pattern.width);
          const v = wrap(Math.floor(m[1] * px + m[3] * py + m[5]), pattern.height);
          const p = pattern.pixels;
          const s = (v * pattern.width + u) * 4;
          r = p === undefined ? 0 : (p[s] as number);
          g = p === undefined ? 0 : (p[s + 1] as number);
          b = p === undefined ? 0 : (p[s + 2] as number);
          a = p === undefined ? 0 : (p[s + 3] as number);
        }
      }
      const i = (y * width + x) * 4;
      if (unbounded) compositePixel(code, pixels, i, r, g, b, a * shape, clipCover);
      else compositePixel(code, pixels, i, r, g, b, a, shape * clipCover);
    }
  }
}

/** The pattern source for a layer's canvas under transform `matrix`. */
export function patternOf(
  pixels: Uint8ClampedArray | undefined,
  width: number,
  height: number,
  matrix: Matrix,
): PaintSource | undefined {
  const inverse = invert(matrix);
  if (inverse === undefined || width === 0 || height === 0) return undefined;
  return { kind: "pattern", pixels, width, height, inverse };
}

function wrap(value: number, size: number): number {
  const r = value % size;
  return r < 0 ? r + size : r;
}

/**
 * Fills a whole-pixel rectangle (already clipped to the canvas) with an opaque colour, or any
 * colour with `copy`, when there is no clip: whole rows at a time. Returns `false` for any other
 * case, which {@link paintMask} handles.
 */
export function fillRectFast(
  target: PaintTarget,
  left: number,
  top: number,
  width: number,
  height: number,
  source: PaintSource,
): boolean {
  if (source.kind !== "color" || target.clip !== undefined) return false;
  const copy = target.operation === "copy";
  if (!copy && !(target.operation === "source-over" && source.a === 255)) return false;
  const { pixels } = target;
  if (pixels.byteOffset % 4 !== 0) return false;
  const words = new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length >> 2);
  // The colour as the platform lays four bytes out in one word.
  // A transparent pixel is stored as transparent black, as compositing stores it.
  const rgba = source.a === 0 ? [0, 0, 0, 0] : [source.r, source.g, source.b, source.a];
  const value = new Uint32Array(new Uint8Array(rgba).buffer)[0] as number;
  if (copy) words.fill(0);
  for (let y = top; y < top + height; y++) {
    const start = y * target.width + left;
    words.fill(value, start, start + width);
  }
  return true;
}
