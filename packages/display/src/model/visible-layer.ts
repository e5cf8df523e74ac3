import { IDENTITY, type Matrix } from "./_matrix.ts";
import { Layer } from "./layer.ts";
import type { PixelBudget } from "./pixel-budget.ts";

/**
 * A layer that is shown (index ≥ 0), as guacamole-common-js's `Guacamole.Display.VisibleLayer`:
 * a box of the layer's size that clips its content and children, placed in its parent at (x, y)
 * with stacking order `z`, opacity `alpha` (`shade`) and a transform (`distort`) about its centre.
 *
 * @example Nest a layer and shade it
 * ```ts
 * import assert from "node:assert/strict";
 * import { PixelBudget, VisibleLayer } from "@guacstream/display";
 *
 * const budget = new PixelBudget();
 * const root = new VisibleLayer(budget, 100, 100);
 * const child = new VisibleLayer(budget, 10, 10);
 * assert.equal(child.move(root, 5, 5, 1), true);
 * child.shade(128);
 * assert.deepEqual(root.children, [child]);
 * assert.equal(root.move(child, 0, 0, 0), false); // no cycles
 * ```
 */
export class VisibleLayer extends Layer {
  /** Opacity, 0–255. */
  alpha = 255;
  /** Position in the parent. */
  x = 0;
  /** Position in the parent. */
  y = 0;
  /** Stacking order among siblings. */
  z = 0;
  /** The `distort` transform. */
  distortion: Matrix = IDENTITY;
  #parent: VisibleLayer | undefined;
  // Insertion order is document order: a layer moved to a new parent goes last.
  readonly #children = new Set<VisibleLayer>();

  /** A layer of `width × height` pixels, attached to nothing yet. */
  constructor(budget: PixelBudget, width = 0, height = 0) {
    super(budget, width, height);
  }

  /** The parent, or `undefined` for the root and disposed layers. */
  get parent(): VisibleLayer | undefined {
    return this.#parent;
  }

  /** The children in document order. */
  get children(): VisibleLayer[] {
    return [...this.#children];
  }

  /** `move`: reparents and places the layer; `false` (nothing changed) if it would make a cycle. */
  move(parent: VisibleLayer, x: number, y: number, z: number): boolean {
    for (let p: VisibleLayer | undefined = parent; p !== undefined; p = p.#parent) {
      if (p === this) return false;
    }
    if (this.#parent !== parent) {
      if (this.#parent !== undefined) this.#parent.#children.delete(this);
      this.#parent = parent;
      parent.#children.add(this);
    }
    this.x = x;
    this.y = y;
    this.z = z;
    return true;
  }

  /** `shade`. */
  shade(alpha: number): void {
    this.alpha = Math.max(0, Math.min(255, alpha));
  }

  /** `distort`. */
  distort(matrix: Matrix): void {
    this.distortion = matrix;
  }

  /** `dispose`: detaches the layer (and so its children) from the tree. */
  dispose(): void {
    if (this.#parent !== undefined) this.#parent.#children.delete(this);
    this.#parent = undefined;
  }
}
