/**
 * Pixels in memory: `width × height` pixels, row after row from the top left, four bytes each in
 * the order red, green, blue, alpha, with straight (not premultiplied) alpha, as `ImageData` holds
 * them in a browser.
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
 */
export interface ImageDecoder {
  /** The mimetypes it decodes: the ones a client may advertise to guacd. */
  readonly mimetypes: readonly string[];
  /** Decodes one image; rejects with a typed error for bytes that are not a valid image. */
  decode(mimetype: string, bytes: Uint8Array, signal?: AbortSignal): Promise<RgbaImage>;
}
