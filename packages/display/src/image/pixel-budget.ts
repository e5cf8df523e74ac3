/**
 * The most pixels one decoded image may hold unless told otherwise: a 4K frame (3840×2160) with
 * room to spare, which no single `img` from guacd exceeds, since guacd never sends an image larger
 * than the layer it draws on.
 *
 * @example A 4K frame fits
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MAX_IMAGE_PIXELS } from "@guacstream/display";
 *
 * assert.ok(3840 * 2160 <= DEFAULT_MAX_IMAGE_PIXELS);
 * ```
 */
export const DEFAULT_MAX_IMAGE_PIXELS: number = 4096 * 4096;

/**
 * The largest width or height accepted, whatever the budget: canvases share the same kind of cap.
 *
 * @example A side longer than this is refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng, encodePng, MAX_IMAGE_SIDE } from "@guacstream/display";
 *
 * assert.equal(MAX_IMAGE_SIDE, 32_768);
 * const png = await encodePng({ width: 1, height: 1, data: new Uint8ClampedArray(4) });
 * assert.equal((await decodePng(png)).width, 1);
 * ```
 */
export const MAX_IMAGE_SIDE = 32_768;
