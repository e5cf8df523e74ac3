import { DisplayError, type DisplayErrorCode } from "../display-error.ts";
import type { RgbaImage } from "../image/rgba-image.ts";

/**
 * A visual wait that ended without its condition holding: it timed out (`TIMEOUT`) or was aborted
 * (`ABORTED`). Carries what the region showed last and how far that was from the target.
 */
export class VisualWaitError extends DisplayError {
  /** The region's last screenshot, or `undefined` if it never lay inside the display. */
  readonly screenshot: RgbaImage | undefined;
  /**
   * How far the last screenshot was from the target: the root-mean-square channel difference
   * (0–255) for `waitForMatch`, the share of changed pixels still missing (1 = none changed) for
   * `waitForChange`, `undefined` for `waitFor`.
   */
  readonly distance: number | undefined;
  /** Frames checked. */
  readonly checks: number;

  /** A failed wait. */
  constructor(
    code: Extract<DisplayErrorCode, "TIMEOUT" | "ABORTED">,
    message: string,
    details: {
      screenshot: RgbaImage | undefined;
      distance: number | undefined;
      checks: number;
      cause?: unknown;
    },
  ) {
    super(code, message, details.cause === undefined ? {} : { cause: details.cause });
    this.name = "VisualWaitError";
    this.screenshot = details.screenshot;
    this.distance = details.distance;
    this.checks = details.checks;
  }
}
