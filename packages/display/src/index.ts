/**
 * A headless Guacamole display: applies guacd's drawing instructions to in-memory RGBA surfaces,
 * as guacamole-common-js's `Guacamole.Display` does on a canvas, in Node, Deno, Bun and browsers.
 *
 * @module
 */

export type { ImageDecoderOptions } from "./image/image-decoder.ts";
export { createImageDecoder } from "./image/image-decoder.ts";
export type { ImageErrorCode } from "./image/image-error.ts";
export { ImageError } from "./image/image-error.ts";
export { DEFAULT_MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from "./image/pixel-budget.ts";
export type { PngDecodeOptions } from "./image/png-decoder.ts";
export { decodePng } from "./image/png-decoder.ts";
export { encodePng } from "./image/png-encoder.ts";
export type { ImageDecoder, RgbaImage } from "./image/rgba-image.ts";
export type { WasmDecodeOptions } from "./image/wasm-decoders.ts";
export { decodeJpeg, decodeWebp } from "./image/wasm-decoders.ts";
