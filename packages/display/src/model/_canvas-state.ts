import type { CompositeOperation } from "./_composite.ts";
import { IDENTITY, type Matrix } from "./_matrix.ts";

/** What a canvas's `save()` / `restore()` keep: transform, clip, composite operation, miter limit. */
export interface CanvasState {
  matrix: Matrix;
  /** Clip coverage per canvas pixel (0–255), or `undefined` for no clip. Never mutated: replaced. */
  clip: Uint8Array | undefined;
  operation: CompositeOperation;
  miterLimit: number;
}

/** A fresh canvas's state (after a resize), keeping the composite operation as guacamole-common-js does. */
export function initialState(operation: CompositeOperation = "source-over"): CanvasState {
  return { matrix: IDENTITY, clip: undefined, operation, miterLimit: 10 };
}

/** A copy of `state` (clip masks are shared: they are replaced, never changed in place). */
export function copyState(state: CanvasState): CanvasState {
  return { ...state };
}
