import { InstructionArgs } from "./_args.ts";
import { base64ToBytes } from "./_base64.ts";
import { FrameQueue, type PendingFrame, type Task } from "./_frame-queue.ts";
import { ImageStreams } from "./_image-streams.ts";
import { DisplayError } from "./display-error.ts";
import type {
  CursorState,
  DisplayFrame,
  DisplayInstruction,
  HeadlessDisplayOptions,
  ScreenshotOptions,
} from "./headless-display-options.ts";
import { createImageDecoder } from "./image/image-decoder.ts";
import type { ImageDecoder, RgbaImage } from "./image/rgba-image.ts";
import { composeLayers, drawOver } from "./model/_compose.ts";
import type { Matrix } from "./model/_matrix.ts";
import type { PixelRect } from "./model/_path.ts";
import type { LineCap, LineJoin } from "./model/_stroke.ts";
import { Layer } from "./model/layer.ts";
import { DEFAULT_PIXEL_BUDGET, PixelBudget } from "./model/pixel-budget.ts";
import { VisibleLayer } from "./model/visible-layer.ts";

const LINE_CAPS: readonly LineCap[] = ["butt", "round", "square"];
const LINE_JOINS: readonly LineJoin[] = ["bevel", "miter", "round"];

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
  readonly #decoder: ImageDecoder | undefined;
  readonly #options: HeadlessDisplayOptions;
  readonly #queue: FrameQueue;
  readonly #streams: ImageStreams;
  readonly #layers = new Map<number, Layer>();
  readonly #root: VisibleLayer;
  readonly #cursorLayer: Layer;
  readonly #frameListeners = new Set<(frame: DisplayFrame) => void>();
  readonly #maxPendingTasks: number;
  readonly #maxDecodes: number;
  #decoding = 0;
  readonly #decodeWaiting: (() => void)[] = [];
  #decodeRoom: { limit: number; resolve: () => void }[] = [];
  #frameCount = 0;
  #cursor = { x: 0, y: 0, hotspotX: 0, hotspotY: 0, shown: false };

  /** An empty 0×0 display. */
  constructor(options: HeadlessDisplayOptions = {}) {
    this.#options = options;
    this.#decoder =
      options.decoder === null ? undefined : (options.decoder ?? createImageDecoder());
    this.budget = new PixelBudget(options.pixelBudget ?? DEFAULT_PIXEL_BUDGET);
    this.#maxPendingTasks = options.maxPendingTasks ?? 100_000;
    this.#maxDecodes = Math.max(1, options.maxConcurrentDecodes ?? 4);
    this.#streams = new ImageStreams({
      maxStreamBytes: options.maxStreamBytes ?? 32 * 1024 * 1024,
      maxOpenStreams: options.maxOpenStreams ?? 64,
    });
    this.#queue = new FrameQueue((frame) => this.#show(frame));
    this.#root = new VisibleLayer(this.budget);
    this.#layers.set(0, this.#root);
    this.#cursorLayer = new Layer(this.budget);
    this.#cursorLayer.setChannelMask(0xc);
  }

  /** The image mimetypes the decoder takes: advertise these to guacd (handshake `image`). */
  get mimetypes(): readonly string[] {
    return this.#decoder?.mimetypes ?? [];
  }

  /** The display's width: the default layer's, as of the last frame shown. */
  get width(): number {
    return this.#root.width;
  }

  /** The display's height. */
  get height(): number {
    return this.#root.height;
  }

  /** Frames shown so far. */
  get frameCount(): number {
    return this.#frameCount;
  }

  /** Image decodes in progress or waiting. */
  get pendingDecodes(): number {
    return this.#decoding + this.#decodeWaiting.length;
  }

  /** Resolves once fewer than `limit` image decodes are in progress or waiting (for back-pressure). */
  whenDecodesBelow(limit: number): Promise<void> {
    if (this.pendingDecodes < limit) return Promise.resolve();
    return new Promise((resolve) => this.#decodeRoom.push({ limit, resolve }));
  }

  /** The layer or buffer at `index` as the display holds it now, if guacd used it. */
  layer(index: number): Layer | undefined {
    return this.#layers.get(index);
  }

  /** The pointer: position, hotspot and image. */
  get cursor(): CursorState {
    const { x, y, hotspotX, hotspotY } = this.#cursor;
    return { x, y, hotspotX, hotspotY, image: this.#cursorImage() };
  }

  /** Moves the pointer drawn into screenshots (guacd's `mouse` does the same). */
  moveCursor(x: number, y: number): void {
    this.#cursor.x = x;
    this.#cursor.y = y;
  }

  /** Calls `listener` after each frame; returns a function that stops it. */
  onFrame(listener: (frame: DisplayFrame) => void): () => void {
    this.#frameListeners.add(listener);
    return () => this.#frameListeners.delete(listener);
  }

  /** Resolves once every frame received so far is shown (its images decoded and drawn). */
  settled(): Promise<void> {
    return this.#queue.settled();
  }

  /**
   * Applies one instruction from guacd. Drawing is queued until `sync`; instructions that are not
   * about the display are ignored; bad ones are skipped and reported to `onError`. Never throws.
   */
  apply(instruction: DisplayInstruction): void {
    try {
      const args = new InstructionArgs(instruction.opcode, instruction.args);
      if (instruction.opcode === "blob" && instruction.bytes !== undefined) {
        this.#streams.append(args.int(0), instruction.bytes);
      } else {
        this.#apply(instruction.opcode, args, instruction.args);
      }
    } catch (error) {
      this.#report(error, instruction.opcode);
    }
    if (this.#queue.pendingTasks > this.#maxPendingTasks) {
      this.#report(
        new DisplayError(
          "TOO_MANY_TASKS",
          `Cannot hold more than ${this.#maxPendingTasks} operations without a sync: showing them now`,
        ),
        instruction.opcode,
      );
      this.#queue.endFrame(undefined, 0);
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
    const image = composeLayers(this.#root, rect);
    const cursor = this.#cursorImage();
    if (options.cursor === true && cursor !== undefined) {
      const c = this.#cursor;
      drawOver(image, cursor, c.x - c.hotspotX - rect.x, c.y - c.hotspotY - rect.y);
    }
    return image;
  }

  #cursorImage(): RgbaImage | undefined {
    const layer = this.#cursorLayer;
    const pixels = layer.surface.pixels;
    if (pixels === undefined || layer.width === 0 || layer.height === 0) return undefined;
    const data = new Uint8ClampedArray(layer.width * layer.height * 4);
    for (let y = 0; y < layer.height; y++) {
      const from = y * layer.surface.width * 4;
      data.set(pixels.subarray(from, from + layer.width * 4), y * layer.width * 4);
    }
    return { width: layer.width, height: layer.height, data };
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

  /** The layer at `index`, made on first use as guacamole-common-js makes it. */
  #layer(index: number): Layer {
    let layer = this.#layers.get(index);
    if (layer === undefined) {
      if (index > 0) {
        const visible = new VisibleLayer(this.budget);
        visible.resize(this.width, this.height);
        visible.move(this.#root, 0, 0, 0);
        layer = visible;
      } else {
        layer = new Layer(this.budget);
        layer.autosize = true;
      }
      this.#layers.set(index, layer);
    }
    return layer;
  }

  #visible(index: number): VisibleLayer | undefined {
    const layer = this.#layer(index);
    return layer instanceof VisibleLayer ? layer : undefined;
  }

  #matrix(a: InstructionArgs): Matrix {
    return [a.float(1), a.float(2), a.float(3), a.float(4), a.float(5), a.float(6)];
  }

  #apply(opcode: string, a: InstructionArgs, raw: readonly string[]): void {
    const q = this.#queue;
    switch (opcode) {
      case "sync": {
        const frames = Number.parseInt(raw[1] ?? "", 10);
        q.endFrame(a.int(0), Number.isSafeInteger(frames) ? frames : 0);
        return;
      }
      case "size": {
        const layer = this.#layer(a.int(0));
        const width = a.size(1);
        const height = a.size(2);
        q.schedule(() => layer.resize(width, height));
        return;
      }
      case "rect": {
        const layer = this.#layer(a.int(0));
        const [x, y, w, h] = [a.int(1), a.int(2), a.int(3), a.int(4)];
        q.schedule(() => layer.rect(x, y, w, h));
        return;
      }
      case "cfill": {
        const mask = a.int(0);
        const layer = this.#layer(a.int(1));
        const [r, g, b, alpha] = [a.int(2), a.int(3), a.int(4), a.int(5)];
        q.schedule(() => {
          layer.setChannelMask(mask);
          layer.fillColor(r, g, b, alpha);
        });
        return;
      }
      case "cstroke": {
        const mask = a.int(0);
        const layer = this.#layer(a.int(1));
        const cap = LINE_CAPS[a.int(2)] ?? "butt";
        const join = LINE_JOINS[a.int(3)] ?? "miter";
        const thickness = a.int(4);
        const [r, g, b, alpha] = [a.int(5), a.int(6), a.int(7), a.int(8)];
        q.schedule(() => {
          layer.setChannelMask(mask);
          layer.strokeColor(cap, join, thickness, r, g, b, alpha);
        });
        return;
      }
      case "lfill": {
        const mask = a.int(0);
        const layer = this.#layer(a.int(1));
        const src = this.#layer(a.int(2));
        q.schedule(() => {
          layer.setChannelMask(mask);
          layer.fillLayer(src);
        });
        return;
      }
      case "lstroke": {
        // guacamole-common-js 1.6 passes the wrong arguments here and its frame fails: skip it.
        throw new DisplayError(
          "UNSUPPORTED",
          "Cannot apply lstroke: guacamole-common-js does not draw it",
          { opcode },
        );
      }
      case "copy": {
        const src = this.#layer(a.int(0));
        const [sx, sy, w, h] = [a.int(1), a.int(2), a.size(3), a.size(4)];
        const mask = a.int(5);
        const dst = this.#layer(a.int(6));
        const [x, y] = [a.int(7), a.int(8)];
        q.schedule(() => {
          dst.setChannelMask(mask);
          dst.copy(src, sx, sy, w, h, x, y);
        });
        return;
      }
      case "transfer": {
        const src = this.#layer(a.int(0));
        const [sx, sy, w, h] = [a.int(1), a.int(2), a.size(3), a.size(4)];
        const fn = a.int(5);
        const dst = this.#layer(a.int(6));
        const [x, y] = [a.int(7), a.int(8)];
        if (fn < 0 || fn > 15) {
          throw new DisplayError(
            "BAD_ARGUMENT",
            `Cannot apply transfer: there is no function ${fn}`,
            { opcode },
          );
        }
        if (fn !== 0x5) q.schedule(() => dst.transfer(src, sx, sy, w, h, x, y, fn));
        return;
      }
      case "start":
      case "line": {
        const layer = this.#layer(a.int(0));
        const [x, y] = [a.int(1), a.int(2)];
        q.schedule(opcode === "start" ? () => layer.moveTo(x, y) : () => layer.lineTo(x, y));
        return;
      }
      case "arc": {
        const layer = this.#layer(a.int(0));
        const [x, y, radius] = [a.int(1), a.int(2), a.int(3)];
        const [start, end] = [a.float(4), a.float(5)];
        const negative = a.int(6) !== 0;
        if (radius < 0)
          throw new DisplayError("BAD_ARGUMENT", "Cannot apply arc: the radius is negative", {
            opcode,
          });
        q.schedule(() => layer.arc(x, y, radius, start, end, negative));
        return;
      }
      case "curve": {
        const layer = this.#layer(a.int(0));
        const p = [a.int(1), a.int(2), a.int(3), a.int(4), a.int(5), a.int(6)] as const;
        q.schedule(() => layer.curveTo(...p));
        return;
      }
      case "close":
      case "clip":
      case "push":
      case "pop":
      case "reset":
      case "identity": {
        const layer = this.#layer(a.int(0));
        const method = opcode === "identity" ? "setTransform" : opcode;
        q.schedule(() => layer[method]());
        return;
      }
      case "transform": {
        const layer = this.#layer(a.int(0));
        const matrix = this.#matrix(a);
        q.schedule(() => layer.transform(matrix));
        return;
      }
      case "set": {
        const layer = this.#layer(a.int(0));
        if (a.text(1) === "miter-limit") {
          const limit = a.float(2);
          q.schedule(() => layer.setMiterLimit(limit));
        }
        return;
      }
      case "move": {
        const index = a.int(0);
        const parentIndex = a.int(1);
        const [x, y, z] = [a.int(2), a.int(3), a.int(4)];
        if (index <= 0 || parentIndex < 0) return;
        const layer = this.#visible(index);
        const parent = this.#visible(parentIndex);
        if (layer === undefined || parent === undefined) return;
        q.schedule(() => {
          if (!layer.move(parent, x, y, z)) {
            throw new DisplayError(
              "BAD_ARGUMENT",
              `Cannot move layer ${index} into ${parentIndex}: it would contain itself`,
              { opcode },
            );
          }
        });
        return;
      }
      case "shade": {
        const index = a.int(0);
        const alpha = a.int(1);
        const layer = index >= 0 ? this.#visible(index) : undefined;
        if (layer !== undefined) q.schedule(() => layer.shade(alpha));
        return;
      }
      case "distort": {
        const index = a.int(0);
        const matrix = this.#matrix(a);
        const layer = index >= 0 ? this.#visible(index) : undefined;
        if (layer !== undefined) q.schedule(() => layer.distort(matrix));
        return;
      }
      case "dispose": {
        const index = a.int(0);
        if (index === 0) return;
        const layer = this.#layers.get(index) ?? (index > 0 ? this.#layer(index) : undefined);
        this.#layers.delete(index);
        if (layer === undefined) return;
        q.schedule(() => {
          if (layer instanceof VisibleLayer) layer.dispose();
          layer.release();
        });
        return;
      }
      case "cursor": {
        const [hotspotX, hotspotY] = [a.int(0), a.int(1)];
        const src = this.#layer(a.int(2));
        const [sx, sy, w, h] = [a.int(3), a.int(4), a.size(5), a.size(6)];
        q.schedule(() => {
          this.#cursor.hotspotX = hotspotX;
          this.#cursor.hotspotY = hotspotY;
          this.#cursorLayer.resize(w, h);
          this.#cursorLayer.copy(src, sx, sy, w, h, 0, 0);
        });
        return;
      }
      case "mouse":
        this.#cursor.shown = true;
        this.moveCursor(a.int(0), a.int(1));
        return;
      case "img": {
        const index = a.int(0);
        const mask = a.int(1);
        const layer = this.#layer(a.int(2));
        const mimetype = a.text(3);
        const [x, y] = [a.int(4), a.int(5)];
        q.schedule(() => layer.setChannelMask(mask));
        this.#streams.open(index, {
          mimetype,
          draw: (bytes) => this.#drawImage(layer, x, y, mimetype, bytes),
        });
        return;
      }
      case "blob": {
        const index = a.int(0);
        this.#streams.append(index, base64ToBytes(a.text(1)));
        return;
      }
      case "end": {
        const ended = this.#streams.end(a.int(0));
        ended?.image.draw(ended.bytes);
        return;
      }
      case "png":
      case "jpeg": {
        const mask = a.int(0);
        const layer = this.#layer(a.int(1));
        const [x, y] = [a.int(2), a.int(3)];
        q.schedule(() => layer.setChannelMask(mask));
        this.#drawImage(layer, x, y, `image/${opcode}`, base64ToBytes(a.text(4)));
        return;
      }
      default:
        this.#streams.noteForeign(opcode, raw);
    }
  }

  /** Queues a blocked draw of an encoded image and starts decoding it. */
  #drawImage(layer: Layer, x: number, y: number, mimetype: string, bytes: Uint8Array): void {
    let image: RgbaImage | undefined;
    const task: Task = this.#queue.schedule(() => {
      if (image !== undefined) layer.drawImage(x, y, image);
    }, true);
    void this.#decode(mimetype, bytes).then(
      (decoded) => {
        image = decoded;
        this.#queue.unblock(task);
      },
      (error: unknown) => {
        this.#report(
          new DisplayError(
            "IMAGE_DECODE_FAILED",
            `Cannot draw a ${mimetype} image: ${error instanceof Error ? error.message : String(error)}`,
            {
              opcode: "img",
              cause: error,
            },
          ),
          "img",
        );
        this.#queue.unblock(task);
      },
    );
  }

  async #decode(mimetype: string, bytes: Uint8Array): Promise<RgbaImage> {
    const decoder = this.#decoder;
    if (decoder === undefined) throw new Error("the display has no image decoder");
    if (this.#decoding >= this.#maxDecodes) {
      await new Promise<void>((resolve) => this.#decodeWaiting.push(resolve));
    }
    this.#decoding++;
    try {
      return await decoder.decode(mimetype, bytes);
    } finally {
      this.#decoding--;
      this.#decodeWaiting.shift()?.();
      if (this.#decodeRoom.length > 0) {
        const pending = this.pendingDecodes;
        const ready = this.#decodeRoom.filter((w) => pending < w.limit);
        this.#decodeRoom = this.#decodeRoom.filter((w) => pending >= w.limit);
        for (const waiter of ready) waiter.resolve();
      }
    }
  }
}
