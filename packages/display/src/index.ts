/**
 * A headless Guacamole display: applies guacd's drawing instructions to in-memory RGBA surfaces,
 * as guacamole-common-js's `Guacamole.Display` does on a canvas, in Node, Deno, Bun and browsers.
 *
 * @module
 */
export type { ImageDecoder, RgbaImage } from "./image/rgba-image.ts";
