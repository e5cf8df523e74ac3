import { DisplayError } from "../display-error.ts";
import type { HeadlessDisplay } from "../headless-display.ts";
import type { RgbaImage } from "../image/rgba-image.ts";
import type { PixelRect } from "../model/_path.ts";
import { VisualWaitError } from "./visual-wait-error.ts";
import type { VisualWaitOptions } from "./wait-options.ts";

/** What one check of the region found. */
export interface WaitCheck {
  readonly done: boolean;
  readonly distance: number | undefined;
}

/**
 * Checks `region` now and after every frame until `check` says done; resolves with that
 * screenshot. A region outside the display (not sized yet) counts as not done. `external` gets a
 * function that ends the wait successfully from outside a frame (a quiet-period timer).
 */
export function watchRegion(
  display: HeadlessDisplay,
  region: PixelRect | undefined,
  check: (image: RgbaImage) => WaitCheck,
  options: VisualWaitOptions,
  what: string,
  external?: (succeed: (image: RgbaImage) => void) => void,
): Promise<RgbaImage> {
  const timeout = options.timeout ?? 10_000;
  const signal = options.signal;
  return new Promise<RgbaImage>((resolve, reject) => {
    let last: RgbaImage | undefined;
    let distance: number | undefined;
    let checks = 0;
    let finished = false;
    const finish = (): void => {
      finished = true;
      stop();
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const fail = (code: "TIMEOUT" | "ABORTED", message: string, cause?: unknown): void => {
      if (finished) return;
      finish();
      reject(new VisualWaitError(code, message, { screenshot: last, distance, checks, cause }));
    };
    const onAbort = (): void => fail("ABORTED", `Cannot wait for ${what}: aborted`, signal?.reason);
    const test = (): void => {
      if (finished) return;
      let image: RgbaImage;
      try {
        image = display.screenshot(
          region === undefined
            ? { cursor: options.cursor === true }
            : { rect: region, cursor: options.cursor === true },
        );
      } catch (error) {
        if (error instanceof DisplayError && error.code === "BAD_REGION") return;
        finish();
        reject(error);
        return;
      }
      checks++;
      last = image;
      let result: WaitCheck;
      try {
        result = check(image);
      } catch (error) {
        finish();
        reject(error);
        return;
      }
      distance = result.distance;
      if (result.done) {
        finish();
        resolve(image);
      }
    };
    external?.((image) => {
      if (finished) return;
      finish();
      resolve(image);
    });
    const stop = display.onFrame(test);
    const timer = setTimeout(
      () =>
        fail(
          "TIMEOUT",
          `Cannot wait for ${what}: not seen within ${timeout} ms (${checks} frames checked)`,
        ),
      timeout,
    );
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    test();
  });
}

/**
 * The root-mean-square difference of two same-sized images over all four channels, 0 (equal)
 * to 255.
 */
export function rmsDistance(a: RgbaImage, b: RgbaImage): number {
  const n = a.data.length;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = (a.data[i] as number) - (b.data[i] as number);
    sum += d * d;
  }
  return Math.sqrt(sum / n);
}

/** The share of pixels (0–1) that differ between two same-sized images. */
export function changedShare(a: RgbaImage, b: RgbaImage): number {
  const pixels = a.width * a.height;
  if (pixels === 0) return 0;
  let changed = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (
      a.data[i] !== b.data[i] ||
      a.data[i + 1] !== b.data[i + 1] ||
      a.data[i + 2] !== b.data[i + 2] ||
      a.data[i + 3] !== b.data[i + 3]
    ) {
      changed++;
    }
  }
  return changed / pixels;
}
