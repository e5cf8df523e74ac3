import { DisplayError } from "../display-error.ts";
import type { DisplayErrorCode } from "../display-error-code.ts";
import type { RgbaImage } from "../image/rgba-image.ts";

/**
 * A visual wait that ended without its condition holding: it timed out (`TIMEOUT`) or was aborted
 * (`ABORTED`). Carries what the region showed last and how far that was from the target.
 *
 * @example See what the screen showed when a wait gave up
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeadlessDisplay, VisualWaitError, waitForMatch } from "@guacstream/display";
 *
 * const display = new HeadlessDisplay();
 * display.apply({ opcode: "size", args: ["0", "1", "1"] });
 * display.apply({ opcode: "sync", args: ["1"] });
 * const white = { width: 1, height: 1, data: new Uint8ClampedArray([255, 255, 255, 255]) };
 * const region = { x: 0, y: 0, width: 1, height: 1 };
 * const error = await waitForMatch(display, region, white, { timeout: 10 }).catch((e) => e);
 * assert.ok(error instanceof VisualWaitError);
 * assert.equal(error.code, "TIMEOUT");
 * assert.deepEqual([...(error.screenshot?.data ?? [])], [0, 0, 0, 0]);
 * assert.equal(error.distance, Math.sqrt((3 * 255 ** 2 + 255 ** 2) / 4));
 * ```
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
