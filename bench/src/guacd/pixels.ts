/**
 * What a person at the screen sees of a session: a headless display (`@guacstream/display`) fed
 * every instruction, and what its frames change. It times an input to the first frame whose pixels
 * change where the input lands (input-to-photon), finds when the first screen is complete (no
 * pixel changed for a while), and counts frames that change pixels, the pixels they change, and
 * how many image bytes were lossy (JPEG, WebP). Comparing whole screens costs a few ms a frame, so
 * a session watches only while `counting` (one session at a time, not the ramp).
 */
import type { Instruction } from "@guacstream/codec";
import { HeadlessDisplay } from "@guacstream/display";

/** A screen area (pixels). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const LOSSY = new Set(["image/jpeg", "image/webp"]);

/** Pixels that differ between two images of one size (RGBA, compared as 32-bit words). */
export function changedPixels(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  if (a.length !== b.length) return Math.max(a.length, b.length) / 4;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length >> 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
  let n = 0;
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) n++;
  return n;
}

/** The side of the square cells in which `PixelWatch` notes where the screen changes (px). */
export const CELL = 64;

/**
 * Like `changedPixels` for two screens of `width` columns, also marking in `cells` (one byte per
 * `CELL` × `CELL` cell, `ceil(width / CELL)` a row) each cell where a pixel differs.
 */
export function markChangedCells(
  a: Uint8ClampedArray,
  b: Uint8ClampedArray,
  width: number,
  cells: Uint8Array,
): number {
  if (a.length !== b.length || width === 0) {
    cells.fill(1);
    return Math.max(a.length, b.length) / 4;
  }
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length >> 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
  const columns = Math.ceil(width / CELL);
  const rows = x.length / width;
  let n = 0;
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    const cellRow = ((row / CELL) | 0) * columns;
    for (let col = 0; col < width; col++) {
      if (x[base + col] !== y[base + col]) {
        n++;
        cells[cellRow + ((col / CELL) | 0)] = 1;
      }
    }
  }
  return n;
}

export class PixelWatch {
  readonly display: HeadlessDisplay = new HeadlessDisplay();
  /** Frames shown, and those that changed a pixel, while counting. */
  frames = 0;
  changedFrames = 0;
  /** Pixels changed frame to frame, summed, while counting. */
  changedPixels = 0;
  /** Image bytes received (all, and JPEG/WebP), from the start. */
  imageBytes = 0;
  lossyBytes = 0;
  /** When (`performance.now()`) a frame last changed a pixel; undefined before the first. */
  lastChangeAt: number | undefined;
  /** Compare every frame with the previous one (whole screen). */
  counting = true;
  /** Whether guacd sent a `cursor` image: a pointer the client draws over the screen. */
  cursorFromGuacd = false;
  /** Per `CELL` × `CELL` cell, 1 where a frame changed a pixel since `resetCells`. */
  #cells = new Uint8Array(0);
  #cellsWidth = 0;
  readonly #lossyStreams = new Map<string, boolean>();
  #previous: Uint8ClampedArray | undefined;
  #waiter: ((image: Uint8ClampedArray | undefined) => void) | undefined;
  #waitRect: Rect | undefined;

  constructor() {
    this.display.onFrame(() => this.#frame());
  }

  /** The image types to advertise in the handshake (what the display decodes). */
  get mimetypes(): readonly string[] {
    return this.display.mimetypes;
  }

  /** Feeds one instruction (the client's `onInstruction`); never throws. */
  apply(instruction: Instruction): void {
    const { opcode, args } = instruction;
    if (opcode === "cursor") this.cursorFromGuacd = true;
    else if (opcode === "img") this.#lossyStreams.set(args[0] ?? "", LOSSY.has(args[3] ?? ""));
    else if (opcode === "blob") {
      const lossy = this.#lossyStreams.get(args[0] ?? "");
      if (lossy !== undefined) {
        // Base64: 3 bytes per 4 characters.
        const bytes = Math.floor(((args[1]?.length ?? 0) * 3) / 4);
        this.imageBytes += bytes;
        if (lossy) this.lossyBytes += bytes;
      }
    } else if (opcode === "end") this.#lossyStreams.delete(args[0] ?? "");
    this.display.apply(instruction);
  }

  /**
   * Sends the input with `send` and resolves with the ms to the first frame whose pixels in
   * `rect` (whole screen: undefined) differ from those shown when it was sent; undefined when no
   * frame changed them within `timeoutMs`.
   */
  async photon(
    send: () => Promise<unknown>,
    rect: Rect | undefined,
    timeoutMs: number,
  ): Promise<number | undefined> {
    await this.display.settled();
    const before = this.#shot(rect);
    if (before === undefined) {
      // Nothing drawn where it lands yet (no screen, or a smaller one): sent, but not timed.
      await send();
      return undefined;
    }
    this.#waitRect = rect;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sent = performance.now();
    const changed = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      this.#waiter = (image) => {
        if (image !== undefined && changedPixels(image, before) > 0) resolve(true);
      };
    });
    try {
      await send();
      const hit = await changed;
      return hit ? performance.now() - sent : undefined;
    } finally {
      clearTimeout(timer);
      this.#waiter = undefined;
    }
  }

  /**
   * Ms from `since` to the last pixel change before the screen stayed unchanged for `stableMs`
   * (the first screen is then complete); undefined when it did not settle within `timeoutMs`.
   */
  async settledScreen(
    since: number,
    stableMs: number,
    timeoutMs: number,
  ): Promise<number | undefined> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      const last = this.lastChangeAt;
      if (last !== undefined && performance.now() - last >= stableMs) return last - since;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return undefined;
  }

  /** Forgets where the screen changed: `stillPoints` sees only later frames. */
  resetCells(): void {
    this.#cells.fill(0);
  }

  /**
   * Up to `count` distinct points, spread over the screen, at the centres of cells no frame
   * changed since `resetCells` (while counting): where an input's answer cannot be mistaken for
   * the screen's own motion (a clock, a scrolling terminal). Empty when no cell stayed still.
   */
  stillPoints(count: number): { x: number; y: number }[] {
    const { width, height } = this.display;
    if (width !== this.#cellsWidth || width === 0) return [];
    const columns = Math.ceil(width / CELL);
    const still: { x: number; y: number }[] = [];
    for (let k = 0; k < this.#cells.length; k++) {
      const x = (k % columns) * CELL;
      const y = Math.floor(k / columns) * CELL;
      // Whole cells only: the area around the point is the cell itself.
      if (this.#cells[k] === 0 && x + CELL <= width && y + CELL <= height) {
        still.push({ x: x + CELL / 2, y: y + CELL / 2 });
      }
    }
    const n = Math.min(count, still.length);
    return Array.from({ length: n }, (_, k) => still[Math.floor((k * still.length) / n)]!);
  }

  /** Starts the frame counts afresh (frames, changed frames and pixels). */
  resetCounts(): void {
    this.frames = 0;
    this.changedFrames = 0;
    this.changedPixels = 0;
  }

  /** The pixels in `rect` (whole screen: undefined); undefined while the screen does not hold it. */
  #shot(rect: Rect | undefined): Uint8ClampedArray | undefined {
    const { width, height } = this.display;
    if (rect === undefined) {
      return width > 0 && height > 0 ? this.display.screenshot({ cursor: true }).data : undefined;
    }
    if (rect.x + rect.width > width || rect.y + rect.height > height) return undefined;
    return this.display.screenshot({ rect, cursor: true }).data;
  }

  #frame(): void {
    if (this.#waiter !== undefined) this.#waiter(this.#shot(this.#waitRect));
    if (!this.counting) return;
    const now = this.#shot(undefined);
    if (now === undefined) return;
    this.frames++;
    const { width, height } = this.display;
    if (
      width !== this.#cellsWidth ||
      this.#cells.length !== Math.ceil(width / CELL) * Math.ceil(height / CELL)
    ) {
      this.#cellsWidth = width;
      this.#cells = new Uint8Array(Math.ceil(width / CELL) * Math.ceil(height / CELL)).fill(1);
    }
    const changed =
      this.#previous === undefined
        ? now.length / 4
        : markChangedCells(now, this.#previous, width, this.#cells);
    if (changed > 0) {
      this.changedFrames++;
      this.changedPixels += changed;
      this.lastChangeAt = performance.now();
    }
    this.#previous = now;
  }
}
