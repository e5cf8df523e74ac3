import { ImageError } from "./image-error.ts";
import { DEFAULT_MAX_IMAGE_PIXELS } from "./pixel-budget.ts";
import { decodePng } from "./png-decoder.ts";
import type { ImageDecoder, RgbaImage } from "./rgba-image.ts";
import { decodeJpeg, decodeWebp } from "./wasm-decoders.ts";

/**
 * Options of {@linkcode createImageDecoder}.
 *
 * @example A smaller budget for a constrained device
 * ```ts
 * import assert from "node:assert/strict";
 * import { createImageDecoder, type ImageDecoderOptions } from "@guacstream/display";
 *
 * const options: ImageDecoderOptions = { maxPixels: 1920 * 1080 };
 * assert.equal(createImageDecoder(options).mimetypes.length, 3);
 * ```
 */
export interface ImageDecoderOptions {
  /**
   * The most pixels one image may have; larger ones are rejected (code `too-large`) from their
   * header, before pixel memory is allocated.
   *
   * @default {DEFAULT_MAX_IMAGE_PIXELS}
   */
  readonly maxPixels?: number;
}

/**
 * The image decoder a display uses unless given another: PNG through the platform's
 * `DecompressionStream`, JPEG and WebP through WASM builds of libjpeg-turbo and libwebp. Its
 * `mimetypes` are exactly these three, the ones a client may advertise to guacd.
 *
 * @example Decoding an image guacd sent
 * ```ts
 * import assert from "node:assert/strict";
 * import { createImageDecoder, encodePng } from "@guacstream/display";
 *
 * const decoder = createImageDecoder();
 * assert.deepEqual(decoder.mimetypes, ["image/png", "image/jpeg", "image/webp"]);
 * const png = await encodePng({ width: 1, height: 1, data: new Uint8ClampedArray([1, 2, 3, 4]) });
 * const image = await decoder.decode("image/png", png);
 * assert.deepEqual([...image.data], [1, 2, 3, 4]);
 * ```
 */
export function createImageDecoder(options: ImageDecoderOptions = {}): ImageDecoder {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  return {
    mimetypes: ["image/png", "image/jpeg", "image/webp"],
    decode(mimetype: string, bytes: Uint8Array, signal?: AbortSignal): Promise<RgbaImage> {
      if (signal?.aborted) {
        return Promise.reject(
          new ImageError("aborted", mimetype, "Cannot decode image: aborted", {
            cause: signal.reason,
          }),
        );
      }
      switch (mimetype) {
        case "image/png":
          return decodePng(bytes, signal === undefined ? { maxPixels } : { maxPixels, signal });
        case "image/jpeg":
          return decodeJpeg(bytes, { maxPixels });
        case "image/webp":
          return decodeWebp(bytes, { maxPixels });
        default:
          return Promise.reject(
            new ImageError(
              "unsupported",
              mimetype,
              `Cannot decode image: ${mimetype} is not supported`,
            ),
          );
      }
    },
  };
}
