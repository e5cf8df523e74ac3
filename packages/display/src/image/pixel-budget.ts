/**
 * The most pixels one decoded image may hold unless told otherwise: a 4K frame (3840×2160) with
 * room to spare, which no single `img` from guacd exceeds, since guacd never sends an image larger
 * than the layer it draws on.
 */
export const DEFAULT_MAX_IMAGE_PIXELS: number = 4096 * 4096;

/** The largest width or height accepted, whatever the budget: canvases share the same kind of cap. */
export const MAX_IMAGE_SIDE = 32_768;
