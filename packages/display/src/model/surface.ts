import type { PixelBudget } from "./pixel-budget.ts";

/**
 * The pixels of one canvas: straight-alpha RGBA, `width × height` as the canvas (rounded up to
 * a multiple of 64), not the layer. The memory is taken from the budget only when something
 * is drawn, so a layer guacd sizes but never draws on costs nothing.
 *
 * @example Allocate on first write, within the budget
 * ```ts
 * import assert from "node:assert/strict";
 * import { PixelBudget, Surface } from "@guacstream/display";
 *
 * const budget = new PixelBudget();
 * const surface = new Surface(budget);
 * surface.resize(64, 64, 0, 0);
 * assert.equal(surface.pixels, undefined); // nothing drawn yet: all transparent
 * surface.writable()?.fill(255);
 * assert.equal(budget.bytes, 64 * 64 * 4);
 * ```
 */
export class Surface {
  readonly #budget: PixelBudget;
  #width = 0;
  #height = 0;
  #data: Uint8ClampedArray | undefined;
  #closed = false;

  /** An empty 0×0 surface drawing from `budget`. */
  constructor(budget: PixelBudget) {
    this.#budget = budget;
  }

  /** Width of the canvas in pixels. */
  get width(): number {
    return this.#width;
  }

  /** Height of the canvas in pixels. */
  get height(): number {
    return this.#height;
  }

  /** The pixels, or `undefined` while nothing was drawn (every pixel transparent black). */
  get pixels(): Uint8ClampedArray | undefined {
    return this.#data;
  }

  /** Whether a canvas of `width × height` could be allocated now. */
  fits(width: number, height: number): boolean {
    const held = this.#data === undefined ? 0 : this.#width * this.#height;
    return width * height <= this.#budget.limit - this.#budget.used + held;
  }

  /**
   * The pixels for writing, allocated on first use; `undefined` if the budget refuses them (the
   * caller skips the drawing).
   */
  writable(): Uint8ClampedArray | undefined {
    if (this.#closed) return undefined;
    if (this.#data === undefined) {
      const pixels = this.#width * this.#height;
      if (pixels === 0 || !this.#budget.reserve(pixels)) return undefined;
      this.#data = new Uint8ClampedArray(pixels * 4);
    }
    return this.#data;
  }

  /**
   * Gives the canvas a new size, keeping the top-left `keepWidth × keepHeight` pixels (what
   * guacamole-common-js redraws after resizing a canvas) and clearing the rest.
   */
  resize(width: number, height: number, keepWidth: number, keepHeight: number): void {
    const old = this.#data;
    const oldWidth = this.#width;
    this.release();
    this.#width = width;
    this.#height = height;
    if (old === undefined) return;
    const w = Math.min(keepWidth, width, oldWidth);
    const h = Math.min(keepHeight, height);
    if (w <= 0 || h <= 0) return;
    const data = this.writable();
    if (data === undefined) return;
    for (let y = 0; y < h; y++) {
      const from = y * oldWidth * 4;
      data.set(old.subarray(from, from + w * 4), y * width * 4);
    }
  }

  /**
   * Frees the pixels for good: drawing on a closed surface is skipped, so a disposed layer that an
   * image drawn after its dispose still names takes nothing from the budget.
   */
  close(): void {
    this.release();
    this.#closed = true;
  }

  /** Frees the pixels (back to all transparent) and returns them to the budget. */
  release(): void {
    if (this.#data !== undefined) {
      this.#budget.release(this.#width * this.#height);
      this.#data = undefined;
    }
  }
}
