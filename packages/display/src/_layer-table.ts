import { DisplayError } from "./display-error.ts";
import { Layer } from "./model/layer.ts";
import type { PixelBudget } from "./model/pixel-budget.ts";
import { VisibleLayer } from "./model/visible-layer.ts";

/**
 * The layers guacd has named, by index, made on first use as guacamole-common-js's `getLayer`
 * makes them: 0 is the screen, a positive index a visible layer of the screen's size under it, a
 * negative one a buffer that grows to fit.
 */
export class LayerTable {
  /** Layer 0. */
  readonly root: VisibleLayer;
  readonly #budget: PixelBudget;
  readonly #maxLayers: number;
  readonly #layers = new Map<number, Layer>();

  constructor(budget: PixelBudget, maxLayers: number) {
    this.#budget = budget;
    this.#maxLayers = maxLayers;
    this.root = new VisibleLayer(budget);
    this.#layers.set(0, this.root);
  }

  /** The layer at `index` if guacd used it. */
  peek(index: number): Layer | undefined {
    return this.#layers.get(index);
  }

  /** The layer at `index`, made now if new. */
  get(index: number): Layer {
    let layer = this.#layers.get(index);
    if (layer === undefined) {
      // Each layer costs an object even before it holds pixels: a bound keeps guacd from making millions.
      if (this.#layers.size >= this.#maxLayers) {
        throw new DisplayError(
          "TOO_MANY_LAYERS",
          `Cannot make layer ${index}: ${this.#maxLayers} layers and buffers exist already`,
        );
      }
      if (index > 0) {
        const visible = new VisibleLayer(this.#budget);
        visible.resize(this.root.width, this.root.height);
        visible.move(this.root, 0, 0, 0);
        layer = visible;
      } else {
        layer = new Layer(this.#budget);
        layer.autosize = true;
      }
      this.#layers.set(index, layer);
    }
    return layer;
  }

  /** The visible layer at `index` (made now if new), or `undefined` for a buffer. */
  visible(index: number): VisibleLayer | undefined {
    const layer = this.get(index);
    return layer instanceof VisibleLayer ? layer : undefined;
  }

  /** Forgets the layer at `index`: its next use makes a new one. */
  delete(index: number): void {
    this.#layers.delete(index);
  }
}
