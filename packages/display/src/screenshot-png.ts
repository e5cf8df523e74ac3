import type { HeadlessDisplay } from "./headless-display.ts";
import type { ScreenshotOptions } from "./headless-display-options.ts";
import { encodePng } from "./image/png-encoder.ts";

/**
 * A screenshot of the display (or a region, with or without the cursor) as PNG bytes, encoded
 * without native addons.
 *
 * @example Save what the display shows
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeadlessDisplay, screenshotPng } from "@guacstream/display";
 *
 * const display = new HeadlessDisplay();
 * display.apply({ opcode: "size", args: ["0", "8", "8"] });
 * display.apply({ opcode: "sync", args: ["1"] });
 * const png = await screenshotPng(display);
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * ```
 */
export function screenshotPng(
  display: HeadlessDisplay,
  options: ScreenshotOptions = {},
): Promise<Uint8Array> {
  return encodePng(display.screenshot(options));
}
