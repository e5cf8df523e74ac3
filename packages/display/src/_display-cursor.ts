import type { CursorState } from "./headless-display-options.ts";
import type { RgbaImage } from "./image/rgba-image.ts";
import { Layer } from "./model/layer.ts";
import type { PixelBudget } from "./model/pixel-budget.ts";

/**
 * The pointer as guacamole-common-js keeps it: an image copied from a layer (`cursor`, always with
 * the copy operation), a hotspot, and a position guacd moves with `mouse`.
 */
export class DisplayCursor {
  readonly #layer: Layer;
  x = 0;
  y = 0;
  hotspotX = 0;
  hotspotY = 0;

  constructor(budget: PixelBudget) {
    this.#layer = new Layer(budget);
    this.#layer.setChannelMask(0xc);
  }

  /** `cursor`: the `w × h` pixels at (sx, sy) of `src` become the image. */
  set(
    hotspotX: number,
    hotspotY: number,
    src: Layer,
    sx: number,
    sy: number,
    w: number,
    h: number,
  ): void {
    this.hotspotX = hotspotX;
    this.hotspotY = hotspotY;
    this.#layer.resize(w, h);
    this.#layer.copy(src, sx, sy, w, h, 0, 0);
  }

  /** The image, or `undefined` before guacd sent one. */
  image(): RgbaImage | undefined {
    const layer = this.#layer;
    const pixels = layer.surface.pixels;
    if (pixels === undefined || layer.width === 0 || layer.height === 0) return undefined;
    const data = new Uint8ClampedArray(layer.width * layer.height * 4);
    for (let y = 0; y < layer.height; y++) {
      const from = y * layer.surface.width * 4;
      data.set(pixels.subarray(from, from + layer.width * 4), y * layer.width * 4);
    }
    return { width: layer.width, height: layer.height, data };
  }

  /** Position, hotspot and image. */
  state(): CursorState {
    return {
      x: this.x,
      y: this.y,
      hotspotX: this.hotspotX,
      hotspotY: this.hotspotY,
      image: this.image(),
    };
  }
}
