/**
 * What is wrong with an image:
 * - `malformed`: the bytes are not a valid image of the type they claim (truncated, corrupt,
 *   inconsistent header);
 * - `unsupported`: a valid image of a type or variant this decoder does not decode;
 * - `too-large`: its dimensions exceed the pixel budget, found from the header before any pixel
 *   memory is allocated;
 * - `aborted`: the caller's `AbortSignal` fired.
 */
export type ImageErrorCode = "malformed" | "unsupported" | "too-large" | "aborted";

/**
 * An image that could not be decoded or encoded. Decoders reject with this and nothing else, so a
 * display can skip the image and go on.
 *
 * @example Telling a malformed image from any other failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { createImageDecoder, ImageError } from "@guacstream/display";
 *
 * const decoder = createImageDecoder();
 * const error = await decoder.decode("image/png", new Uint8Array([1, 2, 3])).catch((e) => e);
 * assert.ok(error instanceof ImageError);
 * assert.equal(error.code, "malformed");
 * ```
 */
export class ImageError extends Error {
  /** What went wrong, stable across releases. */
  readonly code: ImageErrorCode;
  /** The mimetype the bytes claimed to be. */
  readonly mimetype: string;

  constructor(code: ImageErrorCode, mimetype: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ImageError";
    this.code = code;
    this.mimetype = mimetype;
  }
}
