import { type ImageSize, jpegSize, webpSize } from "./_image-size.ts";
import { compileShippedWasm } from "./_wasm.ts";
import { ImageError } from "./image-error.ts";
import { DEFAULT_MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from "./pixel-budget.ts";
import type { RgbaImage } from "./rgba-image.ts";

/**
 * Options of {@linkcode decodeJpeg} and {@linkcode decodeWebp}.
 */
export interface WasmDecodeOptions {
  /**
   * The most pixels the image may have, checked against its header before decoding.
   *
   * @default {DEFAULT_MAX_IMAGE_PIXELS}
   */
  readonly maxPixels?: number;
}

interface EmscriptenLibrary {
  init(module?: WebAssembly.Module, options?: object): Promise<void>;
  default(bytes: ArrayBuffer): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
}

// Emscripten prints libjpeg's warnings to the console unless told where to send them.
const QUIET = { print() {}, printErr() {} };
/**
 * A decode that fails exits the WASM program part-way and leaks what it had allocated; after this
 * many failures the instance is replaced, so a stream of corrupt images cannot grow memory.
 */
const FAILURES_BEFORE_RESET = 64;

/** One WASM decoder: the library and its compiled module, loaded once; the instance renewable. */
class WasmCodec {
  readonly #library: () => Promise<EmscriptenLibrary>;
  readonly #wasm: string;
  #loaded:
    | Promise<{ library: EmscriptenLibrary; module: WebAssembly.Module | undefined }>
    | undefined;
  #ready: Promise<EmscriptenLibrary> | undefined;
  #failures = 0;

  constructor(library: () => Promise<EmscriptenLibrary>, wasm: string) {
    this.#library = library;
    this.#wasm = wasm;
  }

  /** The library with a live instance (instantiated on first use and after a reset). */
  ready(): Promise<EmscriptenLibrary> {
    this.#loaded ??= Promise.all([this.#library(), compileShippedWasm(this.#wasm)]).then(
      ([library, module]) => ({ library, module }),
    );
    this.#ready ??= this.#loaded.then(async ({ library, module }) => {
      await (module === undefined
        ? library.init(QUIET as unknown as WebAssembly.Module)
        : library.init(module, QUIET));
      return library;
    });
    return this.#ready;
  }

  failed(): void {
    if (++this.#failures < FAILURES_BEFORE_RESET) return;
    this.#failures = 0;
    this.#ready = undefined;
  }
}

const jpeg = new WasmCodec(
  () => import("@jsquash/jpeg/decode.js"),
  "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm",
);
const webp = new WasmCodec(
  () => import("@jsquash/webp/decode.js"),
  "@jsquash/webp/codec/dec/webp_dec.wasm",
);

function checkSize(mimetype: string, size: ImageSize | undefined, maxPixels: number): void {
  if (size === undefined || size.width === 0 || size.height === 0) {
    throw new ImageError("malformed", mimetype, `Cannot decode ${mimetype}: no readable header`);
  }
  if (
    size.width > MAX_IMAGE_SIDE ||
    size.height > MAX_IMAGE_SIDE ||
    size.width * size.height > maxPixels
  ) {
    throw new ImageError(
      "too-large",
      mimetype,
      `Cannot decode ${mimetype}: ${size.width}x${size.height} exceeds the budget of ${maxPixels} pixels`,
    );
  }
}

async function run(mimetype: string, codec: WasmCodec, bytes: Uint8Array): Promise<RgbaImage> {
  const { default: decode } = await codec.ready();
  // The library takes an ArrayBuffer; a view into a larger buffer must be copied out first.
  const buffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : bytes.slice().buffer;
  let result: { width: number; height: number; data: Uint8ClampedArray };
  try {
    result = await decode(buffer);
  } catch (error) {
    codec.failed();
    throw new ImageError("malformed", mimetype, `Cannot decode ${mimetype}: corrupt data`, {
      cause: error,
    });
  }
  if (result.data.length !== result.width * result.height * 4) {
    throw new ImageError("malformed", mimetype, `Cannot decode ${mimetype}: corrupt data`);
  }
  return { width: result.width, height: result.height, data: result.data };
}

/**
 * Decodes a JPEG with libjpeg-turbo (mozjpeg) compiled to WASM (`@jsquash/jpeg`), loaded on first
 * use. The frame size in the header is checked against the budget before the decoder runs.
 *
 * @example A JPEG cut after its first marker is a typed error
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeJpeg, ImageError } from "@guacstream/display";
 *
 * const error = await decodeJpeg(new Uint8Array([0xff, 0xd8, 0xff])).catch((e) => e);
 * assert.ok(error instanceof ImageError && error.code === "malformed");
 * ```
 */
export async function decodeJpeg(
  bytes: Uint8Array,
  options: WasmDecodeOptions = {},
): Promise<RgbaImage> {
  checkSize("image/jpeg", jpegSize(bytes), options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS);
  return run("image/jpeg", jpeg, bytes);
}

/**
 * Decodes a WebP (lossy or lossless) with libwebp compiled to WASM (`@jsquash/webp`), loaded on
 * first use, after checking its canvas size against the budget.
 *
 * @example A truncated WebP is a typed error
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeWebp, ImageError } from "@guacstream/display";
 *
 * const error = await decodeWebp(new TextEncoder().encode("RIFF")).catch((e) => e);
 * assert.ok(error instanceof ImageError && error.code === "malformed");
 * ```
 */
export async function decodeWebp(
  bytes: Uint8Array,
  options: WasmDecodeOptions = {},
): Promise<RgbaImage> {
  checkSize("image/webp", webpSize(bytes), options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS);
  return run("image/webp", webp, bytes);
}
