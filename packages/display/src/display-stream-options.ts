import type { DisplayFrame, ScreenshotOptions } from "./headless-display-options.ts";
import type { RgbaImage } from "./image/rgba-image.ts";

/** A frame out of a {@link DisplayStream}, with its screenshot when asked for. */
export interface DisplayStreamFrame extends DisplayFrame {
  /** The screen as this frame showed it (with the `screenshots` option). */
  readonly image?: RgbaImage;
}

/** Options of {@link DisplayStream}. */
export interface DisplayStreamOptions {
  /** Take a screenshot of each frame (options for it, or `true` for the whole display). @default {false} */
  screenshots?: boolean | ScreenshotOptions;
  /** Wait before reading more while this many images are being decoded. @default {16} */
  maxPendingDecodes?: number;
}
