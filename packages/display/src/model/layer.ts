import { DisplayError } from "../display-error.ts";
import type { RgbaImage } from "../image/rgba-image.ts";
import { drawPixels } from "./_blit.ts";
import { canvasSizeFor } from "./_canvas-size.ts";
import { type CanvasState, copyState, initialState } from "./_canvas-state.ts";
import { CHANNEL_MASK_OPERATIONS } from "./_composite.ts";
import { IDENTITY, isIntegerTranslation, type Matrix, multiply } from "./_matrix.ts";
import {
  fillRectFast,
  type PaintSource,
  type PaintTarget,
  paintMask,
  patternOf,
} from "./_paint.ts";
import { Path } from "./_path.ts";
import { type CoverageMask, rasterizePolygons } from "./_rasterize.ts";
import { type LineCap, type LineJoin, strokePolygons } from "./_stroke.ts";
import type { PixelBudget } from "./pixel-budget.ts";
import { Surface } from "./surface.ts";
import { applyTransfer } from "./transfer.ts";

/**
 * The widest or tallest canvas a browser allows; a larger layer is refused like an over-budget one.
 *
 * @example A layer as wide as a browser allows
 * ```ts
 * import assert from "node:assert/strict";
 * import { Layer, MAX_CANVAS_DIMENSION, PixelBudget } from "@guacstream/display";
 *
 * const layer = new Layer(new PixelBudget());
 * assert.throws(() => layer.resize(MAX_CANVAS_DIMENSION + 1, 1), { code: "PIXEL_BUDGET" });
 * layer.resize(MAX_CANVAS_DIMENSION - 63, 1);
 * assert.equal(layer.width, MAX_CANVAS_DIMENSION - 63);
 * ```
 */
export const MAX_CANVAS_DIMENSION = 32767;

/**
 * One drawing surface with a canvas's state, as guacamole-common-js's `Guacamole.Layer`: the
 * pixels (a canvas rounded up to 64 pixels), the path being built, the transform / clip /
 * composite-operation stack, and `autosize` (buffers grow to fit what is drawn on them).
 *
 * @example Fill a rectangle on a 64×64 layer
 * ```ts
 * import assert from "node:assert/strict";
 * import { Layer, PixelBudget } from "@guacstream/display";
 *
 * const layer = new Layer(new PixelBudget(), 64, 64);
 * layer.rect(0, 0, 2, 2);
 * layer.fillColor(255, 0, 0, 255);
 * const pixels = layer.surface.pixels;
 * assert.ok(pixels !== undefined);
 * assert.deepEqual([...pixels.subarray(0, 4)], [255, 0, 0, 255]);
 * ```
 */
export class Layer {
  /** The canvas's pixels. */
  readonly surface: Surface;
  /** Whether drawing outside the layer grows it (buffers, negative indices). */
  autosize = false;
  #width = 0;
  #height = 0;
  #state: CanvasState = initialState();
  #base: CanvasState = initialState();
  #stack: CanvasState[] = [];
  readonly #path = new Path();
  #pathClosed = true;
  #empty = true;

  /** A layer of `width × height` pixels drawing from `budget`. */
  constructor(budget: PixelBudget, width = 0, height = 0) {
    this.surface = new Surface(budget);
    this.#resizeCanvas(width, height);
  }

  /** The layer's width (its canvas may be wider). */
  get width(): number {
    return this.#width;
  }

  /** The layer's height. */
  get height(): number {
    return this.#height;
  }

  /** The current transform. */
  get matrix(): Matrix {
    return this.#state.matrix;
  }

  /**
   * Resizes the layer (`size`); throws `DisplayError` (`PIXEL_BUDGET`) when the canvas would not
   * fit the budget or a browser's canvas limits, leaving the layer as it was.
   */
  resize(width: number, height: number): void {
    if (width !== this.#width || height !== this.#height) this.#resizeCanvas(width, height);
  }

  #resizeCanvas(width: number, height: number): void {
    const canvasWidth = canvasSizeFor(width);
    const canvasHeight = canvasSizeFor(height);
    const surface = this.surface;
    if (canvasWidth !== surface.width || canvasHeight !== surface.height) {
      if (
        canvasWidth > MAX_CANVAS_DIMENSION ||
        canvasHeight > MAX_CANVAS_DIMENSION ||
        !surface.fits(canvasWidth, canvasHeight)
      ) {
        throw new DisplayError(
          "PIXEL_BUDGET",
          `Cannot resize a layer to ${width}×${height}: it does not fit the pixel budget`,
        );
      }
      if (this.#empty) surface.resize(canvasWidth, canvasHeight, 0, 0);
      else surface.resize(canvasWidth, canvasHeight, this.#width, this.#height);
      // A resized canvas starts from a fresh state; guacamole-common-js keeps the operation.
      this.#state = initialState(this.#state.operation);
      this.#base = copyState(this.#state);
      this.#stack = [];
      this.#path.clear();
    } else {
      this.reset();
    }
    this.#width = width;
    this.#height = height;
  }

  /** Grows an autosized layer so (x, y, w, h) fits, as guacamole-common-js's `fitRect`. */
  #fit(x: number, y: number, w: number, h: number): void {
    if (!this.autosize) return;
    this.resize(Math.max(this.#width, x + w), Math.max(this.#height, y + h));
  }

  #target(): PaintTarget | undefined {
    const pixels = this.surface.writable();
    if (pixels === undefined) return undefined;
    const { operation, clip } = this.#state;
    return { pixels, width: this.surface.width, height: this.surface.height, operation, clip };
  }

  /** Draws a decoded image at (x, y) through the transform, clip and composite operation. */
  drawImage(x: number, y: number, image: RgbaImage): void {
    this.#fit(x, y, image.width, image.height);
    this.#empty = false;
    const target = this.#target();
    if (target === undefined) return;
    drawPixels(
      target,
      { pixels: image.data, width: image.width, height: image.height },
      0,
      0,
      image.width,
      image.height,
      x,
      y,
      this.#state.matrix,
    );
  }

  /**
   * Clips a source rectangle to the source canvas the way guacamole-common-js does (only its far
   * edges), or `undefined` when nothing is left.
   */
  static #clipSource(
    src: Layer,
    sx: number,
    sy: number,
    w: number,
    h: number,
  ): [number, number] | undefined {
    const cw = src.surface.width;
    const ch = src.surface.height;
    if (sx >= cw || sy >= ch) return undefined;
    const width = sx + w > cw ? cw - sx : w;
    const height = sy + h > ch ? ch - sy : h;
    if (width === 0 || height === 0) return undefined;
    return [width, height];
  }

  /** `copy`: draws part of `src` here with the current transform, clip and operation. */
  copy(src: Layer, sx: number, sy: number, w: number, h: number, x: number, y: number): void {
    const size = Layer.#clipSource(src, sx, sy, w, h);
    if (size === undefined) return;
    let [width, height] = size;
    this.#fit(x, y, width, height);
    this.#empty = false;
    // drawImage clips the source rectangle to the canvas and moves the destination with it.
    let dx = x;
    let dy = y;
    if (sx < 0) {
      dx -= sx;
      width += sx;
      sx = 0;
    }
    if (sy < 0) {
      dy -= sy;
      height += sy;
      sy = 0;
    }
    if (width <= 0 || height <= 0) return;
    const target = this.#target();
    if (target === undefined) return;
    let source = {
      pixels: src.surface.pixels,
      width: src.surface.width,
      height: src.surface.height,
    };
    if (
      src === this &&
      source.pixels !== undefined &&
      this.#scrollInPlace(sx, sy, width, height, dx, dy)
    ) {
      return;
    }
    if (src === this && source.pixels !== undefined) {
      // A canvas drawn onto itself reads the pixels as they were before the draw.
      const snapshot = new Uint8ClampedArray(width * height * 4);
      for (let row = 0; row < height; row++) {
        const from = ((sy + row) * source.width + sx) * 4;
        snapshot.set(source.pixels.subarray(from, from + width * 4), row * width * 4);
      }
      source = { pixels: snapshot, width, height };
      sx = 0;
      sy = 0;
    }
    drawPixels(target, source, sx, sy, width, height, dx, dy, this.#state.matrix);
  }

  /**
   * A self-copy of opaque pixels over, with no clip and a whole-pixel transform (scrolling): rows
   * moved in place, in the order that reads each before it is overwritten, instead of through a
   * snapshot. `false` when the copy is not of that kind.
   */
  #scrollInPlace(
    sx: number,
    sy: number,
    width: number,
    height: number,
    x: number,
    y: number,
  ): boolean {
    const { matrix, clip, operation } = this.#state;
    const pixels = this.surface.pixels;
    if (
      pixels === undefined ||
      clip !== undefined ||
      operation !== "source-over" ||
      !isIntegerTranslation(matrix)
    ) {
      return false;
    }
    const stride = this.surface.width;
    for (let row = 0; row < height; row++) {
      const from = ((sy + row) * stride + sx) * 4;
      for (let i = from + 3, end = from + width * 4; i < end; i += 4) {
        if (pixels[i] !== 255) return false;
      }
    }
    // The destination rectangle on the canvas, and the source rows and columns that land on it.
    const ox = x + matrix[4];
    const oy = y + matrix[5];
    const x0 = Math.max(0, ox);
    const y0 = Math.max(0, oy);
    const x1 = Math.min(stride, ox + width);
    const y1 = Math.min(this.surface.height, oy + height);
    if (x1 <= x0 || y1 <= y0) return true;
    const bytes = (x1 - x0) * 4;
    const copyRow = (yy: number): void => {
      const from = ((sy + yy - oy) * stride + sx + x0 - ox) * 4;
      pixels.copyWithin((yy * stride + x0) * 4, from, from + bytes);
    };
    // Moving down, copy the bottom row first; moving up (or sideways), the top row first.
    if (oy > sy) for (let yy = y1 - 1; yy >= y0; yy--) copyRow(yy);
    else for (let yy = y0; yy < y1; yy++) copyRow(yy);
    return true;
  }

  /**
   * `transfer`: applies a transfer function pixel by pixel, ignoring transform, clip and
   * operation (guacamole-common-js works on `ImageData`). Function 0x3 (SRC) is `put`.
   */
  transfer(
    src: Layer,
    sx: number,
    sy: number,
    w: number,
    h: number,
    x: number,
    y: number,
    fn: number,
  ): void {
    const size = Layer.#clipSource(src, sx, sy, w, h);
    if (size === undefined) return;
    const [width, height] = size;
    if (width < 0 || height < 0) return;
    this.#fit(x, y, width, height);
    this.#empty = false;
    const dst = this.surface.writable();
    if (dst === undefined) return;
    const dw = this.surface.width;
    const dh = this.surface.height;
    const sw = src.surface.width;
    const sh = src.surface.height;
    const srcPixels = src.surface.pixels;
    // Read the whole source first: a layer may transfer onto itself.
    const block = new Uint8ClampedArray(width * height * 4);
    if (srcPixels !== undefined) {
      for (let row = 0; row < height; row++) {
        const yy = sy + row;
        if (yy < 0 || yy >= sh) continue;
        for (let col = 0; col < width; col++) {
          const xx = sx + col;
          if (xx < 0 || xx >= sw) continue;
          const s = (yy * sw + xx) * 4;
          block.set(srcPixels.subarray(s, s + 4), (row * width + col) * 4);
        }
      }
    }
    for (let row = 0; row < height; row++) {
      const yy = y + row;
      if (yy < 0 || yy >= dh) continue;
      for (let col = 0; col < width; col++) {
        const xx = x + col;
        if (xx < 0 || xx >= dw) continue;
        applyTransfer(fn, block, (row * width + col) * 4, dst, (yy * dw + xx) * 4);
      }
    }
  }

  #openPath(): Path {
    if (this.#pathClosed) {
      this.#path.clear();
      this.#pathClosed = false;
    }
    return this.#path;
  }

  /** `start`. */
  moveTo(x: number, y: number): void {
    const path = this.#openPath();
    this.#fit(x, y, 0, 0);
    path.moveTo(x, y, this.#state.matrix);
  }

  /** `line`. */
  lineTo(x: number, y: number): void {
    const path = this.#openPath();
    this.#fit(x, y, 0, 0);
    path.lineTo(x, y, this.#state.matrix);
  }

  /** `arc`. */
  arc(x: number, y: number, radius: number, start: number, end: number, negative: boolean): void {
    const path = this.#openPath();
    this.#fit(x, y, 0, 0);
    path.arc(x, y, radius, start, end, negative, this.#state.matrix);
  }

  /** `curve`. */
  curveTo(cp1x: number, cp1y: number, cp2x: number, cp2y: number, x: number, y: number): void {
    const path = this.#openPath();
    this.#fit(x, y, 0, 0);
    path.curveTo(cp1x, cp1y, cp2x, cp2y, x, y, this.#state.matrix);
  }

  /** `close`. */
  close(): void {
    this.#path.close();
    this.#pathClosed = true;
  }

  /** `rect`. */
  rect(x: number, y: number, w: number, h: number): void {
    const path = this.#openPath();
    this.#fit(x, y, w, h);
    path.rect(x, y, w, h, this.#state.matrix);
  }

  #fillMask(): CoverageMask | undefined {
    const rect = this.#path.pixelRect();
    const cw = this.surface.width;
    const ch = this.surface.height;
    if (rect !== undefined) {
      const left = Math.max(0, rect.x);
      const top = Math.max(0, rect.y);
      const width = Math.min(cw, rect.x + rect.width) - left;
      const height = Math.min(ch, rect.y + rect.height) - top;
      if (width <= 0 || height <= 0) return undefined;
      return { left, top, width, height, cover: new Float32Array(width * height).fill(1) };
    }
    return rasterizePolygons(
      this.#path.subpaths.map((s) => s.points),
      cw,
      ch,
    );
  }

  #fill(source: PaintSource | undefined): void {
    this.#empty = false;
    this.#pathClosed = true;
    const target = this.#target();
    if (target === undefined || source === undefined) return;
    const rect = this.#path.pixelRect();
    if (rect !== undefined) {
      const left = Math.max(0, rect.x);
      const top = Math.max(0, rect.y);
      const width = Math.min(target.width, rect.x + rect.width) - left;
      const height = Math.min(target.height, rect.y + rect.height) - top;
      if (width > 0 && height > 0 && fillRectFast(target, left, top, width, height, source)) return;
    }
    paintMask(target, this.#fillMask(), source);
  }

  #stroke(source: PaintSource | undefined, cap: LineCap, join: LineJoin, thickness: number): void {
    this.#empty = false;
    this.#pathClosed = true;
    const target = this.#target();
    if (target === undefined || source === undefined) return;
    const m = this.#state.matrix;
    const scale = Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2]));
    const outline = strokePolygons(this.#path.subpaths, {
      width: thickness * scale,
      cap,
      join,
      miterLimit: this.#state.miterLimit,
    });
    paintMask(target, rasterizePolygons(outline, target.width, target.height), source);
  }

  /** `cfill`: fills the path with a colour (straight alpha 0–255). */
  fillColor(r: number, g: number, b: number, a: number): void {
    this.#fill({ kind: "color", r, g, b, a });
  }

  /** `cstroke`: strokes the path with a colour. */
  strokeColor(
    cap: LineCap,
    join: LineJoin,
    thickness: number,
    r: number,
    g: number,
    b: number,
    a: number,
  ): void {
    this.#stroke({ kind: "color", r, g, b, a }, cap, join, thickness);
  }

  /** `lfill`: fills the path with `src`'s canvas repeated as a pattern. */
  fillLayer(src: Layer): void {
    this.#fill(
      patternOf(src.surface.pixels, src.surface.width, src.surface.height, this.#state.matrix),
    );
  }

  /** Strokes the path with `src`'s canvas repeated as a pattern. */
  strokeLayer(cap: LineCap, join: LineJoin, thickness: number, src: Layer): void {
    this.#stroke(
      patternOf(src.surface.pixels, src.surface.width, src.surface.height, this.#state.matrix),
      cap,
      join,
      thickness,
    );
  }

  /** `clip`: intersects the clip with the path. */
  clip(): void {
    this.#pathClosed = true;
    const cw = this.surface.width;
    const ch = this.surface.height;
    const mask = this.#fillMask();
    const next = new Uint8Array(cw * ch);
    const old = this.#state.clip;
    if (mask !== undefined) {
      for (let y = 0; y < mask.height; y++) {
        for (let x = 0; x < mask.width; x++) {
          const i = (mask.top + y) * cw + mask.left + x;
          const cover = Math.round((mask.cover[y * mask.width + x] as number) * 255);
          next[i] = old === undefined ? cover : Math.round((cover * (old[i] as number)) / 255);
        }
      }
    }
    this.#state.clip = next;
  }

  /** `push`. */
  push(): void {
    this.#stack.push(copyState(this.#state));
  }

  /** `pop` (ignored with nothing pushed). */
  pop(): void {
    const state = this.#stack.pop();
    if (state !== undefined) this.#state = state;
  }

  /** `reset`: back to the state after the last canvas resize, with an empty open path. */
  reset(): void {
    this.#stack = [];
    this.#state = copyState(this.#base);
    this.#path.clear();
    this.#pathClosed = false;
  }

  /** `identity` (with the identity matrix) and the canvas's `setTransform`. */
  setTransform(matrix: Matrix = IDENTITY): void {
    this.#state.matrix = matrix;
  }

  /** `transform`: multiplies the current transform by `matrix`. */
  transform(matrix: Matrix): void {
    this.#state.matrix = multiply(this.#state.matrix, matrix);
  }

  /** Sets the composite operation for a channel mask; masks with none keep the current one. */
  setChannelMask(mask: number): void {
    const operation = CHANNEL_MASK_OPERATIONS[mask];
    if (operation !== undefined) this.#state.operation = operation;
  }

  /** `set` `miter-limit`. */
  setMiterLimit(limit: number): void {
    if (limit > 0 && Number.isFinite(limit)) this.#state.miterLimit = limit;
  }

  /** Frees the pixels (a disposed layer). */
  release(): void {
    this.surface.close();
  }
}
