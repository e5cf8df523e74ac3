/** Canvases grow in steps of this many pixels, as guacamole-common-js sizes its canvases. */
export const CANVAS_SIZE_STEP = 64;

/** The canvas size guacamole-common-js uses for a layer of `size` pixels. */
export function canvasSizeFor(size: number): number {
  return Math.ceil(size / CANVAS_SIZE_STEP) * CANVAS_SIZE_STEP;
}
