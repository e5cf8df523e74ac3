import { DisplayError } from "./display-error.ts";
import type { DisplayStreamFrame, DisplayStreamOptions } from "./display-stream-options.ts";
import type { HeadlessDisplay } from "./headless-display.ts";
import type {
  DisplayFrame,
  DisplayInstruction,
  ScreenshotOptions,
} from "./headless-display-options.ts";

/**
 * A pipeline stage: guacd's instructions in, the display's frames out. Instructions go to
 * `display`, which keeps the pixels; each frame comes out once it is shown. Reading slows down
 * while many images wait to be decoded, so memory stays bounded however fast the source is.
 *
 * @example Frames of a tiny session
 * ```ts
 * import assert from "node:assert/strict";
 * import { DisplayStream, HeadlessDisplay } from "@guacstream/display";
 *
 * const display = new HeadlessDisplay();
 * const instructions = ReadableStream.from([
 *   { opcode: "size", args: ["0", "2", "2"] },
 *   { opcode: "rect", args: ["0", "0", "0", "2", "2"] },
 *   { opcode: "cfill", args: ["14", "0", "0", "0", "255", "255"] },
 *   { opcode: "sync", args: ["5"] },
 * ]);
 * const frames = [];
 * for await (const frame of instructions.pipeThrough(new DisplayStream(display, { screenshots: true }))) {
 *   frames.push(frame);
 * }
 * assert.equal(frames.length, 1);
 * assert.equal(frames[0]?.timestamp, 5);
 * assert.deepEqual([...(frames[0]?.image?.data.subarray(0, 4) ?? [])], [0, 0, 255, 255]);
 * ```
 */
export class DisplayStream extends TransformStream<DisplayInstruction, DisplayStreamFrame> {
  /** A stage feeding `display`. */
  constructor(display: HeadlessDisplay, options: DisplayStreamOptions = {}) {
    const shots = options.screenshots;
    const shotOptions: ScreenshotOptions | undefined =
      shots === true ? {} : shots === false ? undefined : shots;
    const maxDecodes = Math.max(1, options.maxPendingDecodes ?? 16);
    let stop: (() => void) | undefined;
    super({
      start(controller) {
        stop = display.onFrame((frame) => {
          if (shotOptions === undefined) controller.enqueue(frame);
          else controller.enqueue(withScreenshot(display, frame, shotOptions));
        });
      },
      async transform(instruction) {
        display.apply(instruction);
        if (display.pendingDecodes >= maxDecodes) await display.whenDecodesBelow(maxDecodes);
      },
      async flush() {
        await display.settled();
        stop?.();
      },
    });
  }
}

/** The frame with its screenshot; without one when the region lies outside the display. */
function withScreenshot(
  display: HeadlessDisplay,
  frame: DisplayFrame,
  options: ScreenshotOptions,
): DisplayStreamFrame {
  try {
    return { ...frame, image: display.screenshot(options) };
  } catch (error) {
    if (error instanceof DisplayError && error.code === "BAD_REGION") return frame;
    throw error;
  }
}
