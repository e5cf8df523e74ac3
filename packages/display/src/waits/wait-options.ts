import type { PixelRect } from "../model/_path.ts";

/** Options every visual wait takes. */
export interface VisualWaitOptions {
  /** Give up after this many milliseconds. @default {10000} */
  timeout?: number;
  /** Give up when this aborts. */
  signal?: AbortSignal;
  /** Include the cursor in what is compared. @default {false} */
  cursor?: boolean;
}

/** Options of {@link waitForMatch}. */
export interface WaitForMatchOptions extends VisualWaitOptions {
  /** The largest root-mean-square channel difference (0–255) that still matches. @default {0} */
  tolerance?: number;
}

/** Options of {@link waitForChange}. */
export interface WaitForChangeOptions extends VisualWaitOptions {
  /** What counts as changed: at least this share of the region's pixels (0–1) differ. @default {0} (any pixel) */
  minChangedShare?: number;
}

/** Options of {@link waitFor}. */
export interface WaitForOptions extends VisualWaitOptions {
  /** The region whose pixels the predicate sees. @default the whole display */
  region?: PixelRect;
}

/** Options of {@link waitForStill}. */
export interface WaitForStillOptions extends VisualWaitOptions {
  /** How long the region must show no change, in milliseconds. @default {500} */
  quietFor?: number;
}
