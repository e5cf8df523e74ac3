import { DisplayError } from "../display-error.ts";
import type { HeadlessDisplay } from "../headless-display.ts";
import type { RgbaImage } from "../image/rgba-image.ts";
import type { PixelRect } from "../model/_path.ts";
import { changedShare, rmsDistance, watchRegion } from "./_visual-wait.ts";
import type {
  WaitForChangeOptions,
  WaitForMatchOptions,
  WaitForOptions,
  WaitForStillOptions,
} from "./wait-options.ts";

/**
 * Waits until `region` shows `reference` within `tolerance` (vncdotool's `expect`), checking now
 * and after each frame. Resolves with the matching screenshot; rejects with `VisualWaitError`
 * (`TIMEOUT`, `ABORTED`) carrying the last screenshot and its distance from the reference.
 *
 * @example Wait for a square to turn red
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeadlessDisplay, waitForMatch } from "@guacstream/display";
 *
 * const display = new HeadlessDisplay();
 * const red = { width: 1, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255]) };
 * const waiting = waitForMatch(display, { x: 0, y: 0, width: 1, height: 1 }, red, { timeout: 1000 });
 * for (const [opcode, ...args] of [["size", "0", "1", "1"], ["rect", "0", "0", "0", "1", "1"],
 *   ["cfill", "14", "0", "255", "0", "0", "255"], ["sync", "1"]]) display.apply({ opcode: opcode as string, args });
 * const shot = await waiting;
 * assert.deepEqual([...shot.data], [255, 0, 0, 255]);
 * ```
 */
export function waitForMatch(
  display: HeadlessDisplay,
  region: PixelRect,
  reference: RgbaImage,
  options: WaitForMatchOptions = {},
): Promise<RgbaImage> {
  if (reference.width !== region.width || reference.height !== region.height) {
    return Promise.reject(
      new DisplayError(
        "BAD_REGION",
        `Cannot wait for a match: the region is ${region.width}×${region.height}, the reference ${reference.width}×${reference.height}`,
      ),
    );
  }
  const tolerance = options.tolerance ?? 0;
  return watchRegion(
    display,
    region,
    (image) => {
      const distance = rmsDistance(image, reference);
      return { done: distance <= tolerance, distance };
    },
    options,
    "the region to match the reference",
  );
}

/**
 * Waits until `region` (the whole display if `undefined`) differs from what it showed when the
 * wait began, e.g. a terminal echoing what was typed. If the region was not inside the display
 * then, the first frame that shows it counts as a change.
 *
 * @example Wait for a change after typing
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeadlessDisplay, waitForChange } from "@guacstream/display";
 *
 * const display = new HeadlessDisplay();
 * const apply = (...i: string[][]) => i.forEach(([opcode, ...args]) => display.apply({ opcode: opcode as string, args }));
 * apply(["size", "0", "2", "2"], ["sync", "1"]);
 * const changed = waitForChange(display, undefined, { timeout: 1000 });
 * apply(["rect", "0", "1", "1", "1", "1"], ["cfill", "14", "0", "9", "9", "9", "255"], ["sync", "2"]);
 * const shot = await changed;
 * assert.equal(shot.data[15], 255);
 * ```
 */
export function waitForChange(
  display: HeadlessDisplay,
  region: PixelRect | undefined,
  options: WaitForChangeOptions = {},
): Promise<RgbaImage> {
  let before: RgbaImage | undefined;
  try {
    before = display.screenshot(
      region === undefined
        ? { cursor: options.cursor === true }
        : { rect: region, cursor: options.cursor === true },
    );
  } catch (error) {
    if (!(error instanceof DisplayError && error.code === "BAD_REGION"))
      return Promise.reject(error);
  }
  const minShare = options.minChangedShare ?? 0;
  return watchRegion(
    display,
    region,
    (image) => {
      if (before === undefined) return { done: true, distance: 0 };
      if (image.width !== before.width || image.height !== before.height)
        return { done: true, distance: 0 };
      const share = changedShare(image, before);
      return { done: share > minShare, distance: 1 - share };
    },
    options,
    "the region to change",
  );
}

/**
 * Waits until `predicate` holds for the pixels of `options.region` (the whole display by default).
 *
 * @example Wait until any pixel is white
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeadlessDisplay, waitFor } from "@guacstream/display";
 *
 * const display = new HeadlessDisplay();
 * const white = waitFor(display, (image) => image.data.some((v, i) => i % 4 === 0 && v === 255), { timeout: 1000 });
 * for (const [opcode, ...args] of [["size", "0", "3", "1"], ["rect", "0", "2", "0", "1", "1"],
 *   ["cfill", "14", "0", "255", "255", "255", "255"], ["sync", "1"]]) display.apply({ opcode: opcode as string, args });
 * assert.equal((await white).width, 3);
 * ```
 */
export function waitFor(
  display: HeadlessDisplay,
  predicate: (image: RgbaImage) => boolean,
  options: WaitForOptions = {},
): Promise<RgbaImage> {
  return watchRegion(
    display,
    options.region,
    (image) => ({ done: predicate(image), distance: undefined }),
    options,
    "the predicate to hold",
  );
}

/**
 * Waits until `region` (the whole display if `undefined`) has shown no change for `quietFor`
 * milliseconds: a screen done drawing, such as a shell that has printed its prompt. Resolves with
 * the still screenshot; a timeout's `VisualWaitError` carries the last one.
 *
 * @example Wait for the screen to settle
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeadlessDisplay, waitForStill } from "@guacstream/display";
 *
 * const display = new HeadlessDisplay();
 * display.apply({ opcode: "size", args: ["0", "2", "2"] });
 * display.apply({ opcode: "sync", args: ["1"] });
 * const still = await waitForStill(display, undefined, { quietFor: 20, timeout: 1000 });
 * assert.equal(still.width, 2);
 * ```
 */
export function waitForStill(
  display: HeadlessDisplay,
  region: PixelRect | undefined,
  options: WaitForStillOptions = {},
): Promise<RgbaImage> {
  const quietFor = options.quietFor ?? 500;
  let last: RgbaImage | undefined;
  let quiet: ReturnType<typeof setTimeout> | undefined;
  let succeed: ((image: RgbaImage) => void) | undefined;
  // Every change restarts the quiet period; when one passes, the region is still.
  const restart = (): void => {
    clearTimeout(quiet);
    quiet = setTimeout(() => {
      if (last !== undefined) succeed?.(last);
    }, quietFor);
  };
  return watchRegion(
    display,
    region,
    (image) => {
      if (
        last === undefined ||
        image.width !== last.width ||
        image.height !== last.height ||
        changedShare(image, last) > 0
      ) {
        restart();
      }
      last = image;
      return { done: false, distance: undefined };
    },
    options,
    "the region to hold still",
    (resolve) => {
      succeed = resolve;
    },
  ).finally(() => clearTimeout(quiet));
}
