import { InstructionArgs } from "./_args.ts";
import { DecodeQueue } from "./_decode-queue.ts";
import { DisplayCursor } from "./_display-cursor.ts";
import { applyDrawing, type DrawingTarget } from "./_drawing-instructions.ts";
import { FrameQueue, type PendingFrame, type Task } from "./_frame-queue.ts";
import { ImageStreams } from "./_image-streams.ts";
import { LayerTable } from "./_layer-table.ts";
import { DisplayError } from "./display-error.ts";
import type {
  CursorState,
  DisplayFrame,
  DisplayInstruction,
  HeadlessDisplayOptions,
  ScreenshotOptions,
} from "./headless-display-options.ts";
import { createImageDecoder } from "./image/image-decoder.ts";
import type { RgbaImage } from "./image/rgba-image.ts";
import { composeLayers, drawOver } from "./model/_compose.ts";
import type { Layer } from "./model/layer.ts";
import { DEFAULT_PIXEL_BUDGET, PixelBudget } from "./model/pixel-budget.ts";

/**
 * A Guacamole display without a browser: feed it what guacd sends and it keeps the pixels a
 * browser running guacamole-common-js would show, frame by frame. Drawing waits for `sync` and for
 * the images before it, as guacamole-common-js's does; `screenshot()` flattens the visible layers.
 *
 * @example Draw a red square and look at it
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeadlessDisplay } from "@guacstream/display";
 *
 * const display = new HeadlessDisplay();
 * for (const [opcode, ...args] of [
 *   ["size", "0", "4", "4"],
 *   ["rect", "0", "1", "1", "2", "2"],
 *   ["cfill", "14", "0", "255", "0", "0", "255"],
 *   ["sync", "1000"],
 * ]) display.apply({ opcode: opcode as string, args });
 * await display.settled();
 * const shot = display.screenshot({ rect: { x: 1, y: 1, width: 1, height: 1 } });
 * assert.deepEqual([...shot.data], [255, 0, 0, 255]);
 * assert.equal(display.frameCount, 1);
 * ```
 */
export class HeadlessDisplay {
  /** The pixel budget all layers share; `budget.bytes` is what they hold now. */
  readonly budget: PixelBudget;
  readonly #options: HeadlessDisplayOptions;
  readonly #parts: DrawingTarget;
  readonly #decodes: DecodeQueue;
  readonly #frameListeners = new Set<(frame: DisplayFrame) => void>();
  readonly #maxPendingTasks: number;
  #frameCount = 0;

  /** An empty 0×0 display. */
  constructor(options: HeadlessDisplayOptions = {}) {
    this.#options = options;
    this.budget = new PixelBudget(options.pixelBudget ?? DEFAULT_PIXEL_BUDGET);
    this.#maxPendingTasks = options.maxPendingTasks ?? 100_000;
    this.#decodes = new DecodeQueue(
      options.decoder === null ? undefined : (options.decoder ?? createImageDecoder()),
      options.maxConcurrentDecodes ?? 4,
      options.maxDecodeBacklogBytes ?? 64 * 1024 * 1024,
    );
    this.#parts = {
      queue: new FrameQueue((frame) => this.#show(frame)),
      layers: new LayerTable(this.budget, options.maxLayers ?? 4096),
      streams: new ImageStreams({
        maxStreamBytes: options.maxStreamBytes ?? 32 * 1024 * 1024,
        maxOpenStreams: options.maxOpenStreams ?? 64,
      }),
      cursor: new DisplayCursor(this.budget),
      drawImage: (layer, x, y, mimetype, bytes) => this.#drawImage(layer, x, y, mimetype, bytes),
    };
  }

  /** The image mimetypes the decoder takes: advertise these to guacd (handshake `image`). */
  get mimetypes(): readonly string[] {
    return this.#decodes.mimetypes;
  }

  /** The display's width: the default layer's, as of the last frame shown. */
  get width(): number {
    return this.#parts.layers.root.width;
  }

  /** The display's height. */
  get height(): number {
    return this.#parts.layers.root.height;
  }

  /** Frames shown so far. */
  get frameCount(): number {
    return this.#frameCount;
  }

  /** Image decodes in progress or waiting. */
  get pendingDecodes(): number {
    return this.#decodes.pending;
  }

  /** Resolves once fewer than `limit` image decodes are in progress or waiting (for back-pressure). */
  whenDecodesBelow(limit: number): Promise<void> {
    return this.#decodes.whenBelow(limit);
  }

  /** The layer or buffer at `index` as the display holds it now, if guacd used it. */
  layer(index: number): Layer | undefined {
    return this.#parts.layers.peek(index);
  }

  /** The pointer: position, hotspot and image. */
  get cursor(): CursorState {
    return this.#parts.cursor.state();
  }

  /** Moves the pointer drawn into screenshots (guacd's `mouse` does the same). */
  moveCursor(x: number, y: number): void {
    this.#parts.cursor.x = x;
    this.#parts.cursor.y = y;
  }

  /** Calls `listener` after each frame; returns a function that stops it. */
  onFrame(listener: (frame: DisplayFrame) => void): () => void {
    this.#frameListeners.add(listener);
    return () => this.#frameListeners.delete(listener);
  }

  /** Resolves once every frame received so far is shown (its images decoded and drawn). */
  settled(): Promise<void> {
    return this.#parts.queue.settled();
  }

  /**
   * Applies one instruction from guacd. Drawing is queued until `sync`; instructions that are not
   * about the display are ignored; bad ones are skipped and reported to `onError`. Never throws.
   */
  apply(instruction: DisplayInstruction): void {
    try {
      const args = new InstructionArgs(instruction.opcode, instruction.args);
      if (instruction.opcode === "blob" && instruction.bytes !== undefined) {
        this.#parts.streams.append(args.int(0), instruction.bytes);
      } else {
        applyDrawing(this.#parts, instruction.opcode, args, instruction.args);
      }
    } catch (error) {
      this.#report(error, instruction.opcode);
    }
    const queue = this.#parts.queue;
    if (queue.pendingTasks > this.#maxPendingTasks) {
      this.#report(
        new DisplayError(
          "TOO_MANY_TASKS",
          `Cannot hold more than ${this.#maxPendingTasks} operations without a sync: showing them now`,
        ),
        instruction.opcode,
      );
      queue.endFrame(undefined, 0);
    }
  }

  /**
   * The display as shown after the last frame: visible layers flattened, straight-alpha RGBA.
   * Throws `DisplayError` (`BAD_REGION`) for a region not inside the display.
   */
  screenshot(options: ScreenshotOptions = {}): RgbaImage {
    const rect = options.rect ?? { x: 0, y: 0, width: this.width, height: this.height };
    if (
      !Number.isInteger(rect.x) ||
      !Number.isInteger(rect.y) ||
      !Number.isInteger(rect.width) ||
      !Number.isInteger(rect.height) ||
      rect.x < 0 ||
      rect.y < 0 ||
      rect.width < 0 ||
      rect.height < 0 ||
      rect.x + rect.width > this.width ||
      rect.y + rect.height > this.height
    ) {
      throw new DisplayError(
        "BAD_REGION",
        `Cannot take a screenshot of ${rect.width}×${rect.height} at (${rect.x}, ${rect.y}): the display is ${this.width}×${this.height}`,
      );
    }
    const image = composeLayers(this.#parts.layers.root, rect);
    const c = this.#parts.cursor;
    const cursor = options.cursor === true ? c.image() : undefined;
    if (cursor !== undefined) {
      drawOver(image, cursor, c.x - c.hotspotX - rect.x, c.y - c.hotspotY - rect.y);
    }
    return image;
  }

  #show(frame: PendingFrame): void {
    for (const task of frame.tasks) {
      const run = task.run;
      task.run = undefined;
      if (run === undefined) continue;
      try {
        run();
      } catch (error) {
        this.#report(error, undefined);
      }
    }
    this.#frameCount++;
    const shown: DisplayFrame = {
      index: this.#frameCount,
      timestamp: frame.timestamp,
      logicalFrames: frame.logicalFrames,
      width: this.width,
      height: this.height,
    };
    this.#options.onFrame?.(shown);
    for (const listener of this.#frameListeners) listener(shown);
  }

  #report(error: unknown, opcode: string | undefined): void {
    const reported =
      error instanceof DisplayError
        ? error
        : new DisplayError(
            "BAD_ARGUMENT",
            `Cannot apply ${opcode ?? "an instruction"}: ${String(error)}`,
            {
              ...(opcode === undefined ? {} : { opcode }),
              cause: error,
            },
          );
    this.#options.onError?.(reported);
  }

  /** Queues a blocked draw of an encoded image and starts decoding it. */
  #drawImage(layer: Layer, x: number, y: number, mimetype: string, bytes: Uint8Array): void {
    let image: RgbaImage | undefined;
    const queue = this.#parts.queue;
    const task: Task = queue.schedule(() => {
      if (image !== undefined) layer.drawImage(x, y, image);
    }, true);
    void this.#decodes.decode(mimetype, bytes).then(
      (decoded) => {
        image = decoded;
        queue.unblock(task);
      },
      (error: unknown) => {
        this.#report(
          error instanceof DisplayError
            ? error
            : new DisplayError(
                "IMAGE_DECODE_FAILED",
                `Cannot draw a ${mimetype} image: ${error instanceof Error ? error.message : String(error)}`,
                {
                  opcode: "img",
                  cause: error,
                },
              ),
          "img",
        );
        queue.unblock(task);
      },
    );
  }
}
