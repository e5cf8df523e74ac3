/**
 * Pixels in memory: `width × height` pixels, row after row from the top left, four bytes each in
 * the order red, green, blue, alpha, with straight (not premultiplied) alpha, as `ImageData` holds
 * them in a browser.
 *
 * @example One opaque red pixel
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RgbaImage } from "@guacstream/display";
 *
 * const red: RgbaImage = { width: 1, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255]) };
 * assert.equal(red.data.length, red.width * red.height * 4);
 * ```
 */
export interface RgbaImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `width * height * 4` bytes. */
  readonly data: Uint8ClampedArray;
}

/**
 * Turns the bytes of an encoded image (a whole `img` stream) into pixels.
 *
 * @example A decoder that only knows one test image
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ImageDecoder, RgbaImage } from "@guacstream/display";
 *
 * const blank: RgbaImage = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
 * const decoder: ImageDecoder = {
 *   mimetypes: ["image/x-test"],
 *   decode: async () => blank,
 * };
 * assert.equal((await decoder.decode("image/x-test", new Uint8Array())).width, 1);
 * ```
 */
export interface ImageDecoder {
  /** The mimetypes it decodes: the ones a client may advertise to guacd. */
  readonly mimetypes: readonly string[];
  /** Decodes one image; rejects with a typed error for bytes that are not a valid image. */
  decode(mimetype: string, bytes: Uint8Array, signal?: AbortSignal): Promise<RgbaImage>;
}
