/**
 * The default pixel budget: 32 Mi pixels, 128 MiB of RGBA. A 4K desktop (3840×2160, held as
 * 3840×2176 since surfaces grow in steps of 64) takes 8.4 Mi of them, which leaves room for
 * three more screens' worth of layers and buffers.
 *
 * @example What a 4K desktop takes of it
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_PIXEL_BUDGET } from "@guacstream/display";
 *
 * assert.equal(Math.floor(DEFAULT_PIXEL_BUDGET / (3840 * 2176)), 4);
 * ```
 */
export const DEFAULT_PIXEL_BUDGET: number = 32 * 1024 * 1024;

/**
 * Counts the pixels every surface of one display holds, and refuses an allocation that would pass
 * the limit. One budget is shared by all layers and buffers of a display.
 *
 * @example Refuse what does not fit
 * ```ts
 * import assert from "node:assert/strict";
 * import { PixelBudget } from "@guacstream/display";
 *
 * const budget = new PixelBudget(1000);
 * assert.equal(budget.reserve(600), true);
 * assert.equal(budget.reserve(600), false);
 * budget.release(600);
 * assert.equal(budget.reserve(600), true);
 * assert.equal(budget.peakBytes, 600 * 4);
 * ```
 */
export class PixelBudget {
  /** The most pixels all surfaces may hold at once. */
  readonly limit: number;
  #used = 0;
  #peak = 0;

  /** A budget of `limit` pixels. */
  constructor(limit: number = DEFAULT_PIXEL_BUDGET) {
    this.limit = limit;
  }

  /** Pixels held now. */
  get used(): number {
    return this.#used;
  }

  /** Bytes of RGBA held now (four per pixel). */
  get bytes(): number {
    return this.#used * 4;
  }

  /** The most bytes of RGBA held at any one time. */
  get peakBytes(): number {
    return this.#peak * 4;
  }

  /** Takes `pixels` from the budget; `false` (and nothing taken) if they do not fit. */
  reserve(pixels: number): boolean {
    if (!(pixels >= 0) || this.#used + pixels > this.limit) return false;
    this.#used += pixels;
    if (this.#used > this.#peak) this.#peak = this.#used;
    return true;
  }

  /** Gives `pixels` back. */
  release(pixels: number): void {
    this.#used = Math.max(0, this.#used - pixels);
  }
}
