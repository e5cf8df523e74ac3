import { inflateExactly } from "./_inflate.ts";
import { ImageError } from "./image-error.ts";
import { DEFAULT_MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from "./pixel-budget.ts";
import type { RgbaImage } from "./rgba-image.ts";

/**
 * Options of {@linkcode decodePng}.
 *
 * @example Refuse anything larger than a tile
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng, encodePng, type PngDecodeOptions } from "@guacstream/display";
 *
 * const options: PngDecodeOptions = { maxPixels: 64 * 64 };
 * const big = await encodePng({ width: 65, height: 64, data: new Uint8ClampedArray(65 * 64 * 4) });
 * await assert.rejects(decodePng(big, options), { code: "too-large" });
 * ```
 */
export interface PngDecodeOptions {
  /**
   * The most pixels the image may have; a larger header is rejected with code `too-large` before
   * any pixel memory is allocated.
   *
   * @default {DEFAULT_MAX_IMAGE_PIXELS}
   */
  readonly maxPixels?: number;
  /** Stops the decoding; it then rejects with code `aborted`. */
  readonly signal?: AbortSignal;
}

const MIME = "image/png";
const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10] as const;
const IHDR = 0x49484452;
const PLTE = 0x504c5445;
const TRNS = 0x74524e53;
const IDAT = 0x49444154;
const IEND = 0x49454e44;
/** Channels per colour type (index); 0 marks a type PNG does not define. */
const CHANNELS = [1, 0, 3, 1, 2, 0, 4] as const;
/** Bit depths each colour type allows. */
const DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7: x0, y0, dx, dy per pass. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
const WHOLE = [[0, 0, 1, 1]] as const;

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

function malformed(reason: string): ImageError {
  return new ImageError("malformed", MIME, `Cannot decode PNG: ${reason}`);
}

function u32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) * 0x1000000 +
      (((bytes[at + 1] as number) << 16) |
        ((bytes[at + 2] as number) << 8) |
        (bytes[at + 3] as number))) >>>
    0
  );
}

function readHeader(data: Uint8Array, maxPixels: number): Header {
  if (data.length !== 13) throw malformed("IHDR is not 13 bytes");
  const width = u32(data, 0);
  const height = u32(data, 4);
  const depth = data[8] as number;
  const colorType = data[9] as number;
  if (width === 0 || height === 0) throw malformed(`empty image ${width}x${height}`);
  if (!DEPTHS[colorType]?.includes(depth)) {
    throw malformed(`colour type ${colorType} with bit depth ${depth}`);
  }
  if (data[10] !== 0 || data[11] !== 0) throw malformed("unknown compression or filter method");
  if ((data[12] as number) > 1) throw malformed(`unknown interlace method ${data[12]}`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > maxPixels) {
    throw new ImageError(
      "too-large",
      MIME,
      `Cannot decode PNG: ${width}x${height} exceeds the budget of ${maxPixels} pixels`,
    );
  }
  return { width, height, depth, colorType, interlaced: data[12] === 1 };
}

/**
 * Decodes a PNG image of any colour type, bit depth and interlacing into straight-alpha RGBA,
 * inflating its data with the platform's `DecompressionStream`. Sixteen-bit samples keep their
 * high byte; colour-management chunks (gamma, ICC) are ignored, as guacd sends none. Chunk CRCs
 * are not checked; every length is.
 *
 * @example Decoding the PNG that encodePng made
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePng, encodePng } from "@guacstream/display";
 *
 * const red = { width: 1, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255]) };
 * const image = await decodePng(await encodePng(red));
 * assert.deepEqual([...image.data], [255, 0, 0, 255]);
 * ```
 */
export async function decodePng(
  bytes: Uint8Array,
  options: PngDecodeOptions = {},
): Promise<RgbaImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  for (let i = 0; i < SIGNATURE.length; i++) {
    if (bytes[i] !== SIGNATURE[i]) throw malformed("no PNG signature");
  }
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const data: Uint8Array[] = [];
  let at = SIGNATURE.length;
  while (at + 12 <= bytes.length) {
    const length = u32(bytes, at);
    const type = u32(bytes, at + 4);
    if (length > bytes.length - at - 12) throw malformed("a chunk runs past the end");
    const body = bytes.subarray(at + 8, at + 8 + length);
    at += 12 + length;
    if (header === undefined && type !== IHDR) throw malformed("IHDR is not the first chunk");
    if (type === IHDR) {
      if (header !== undefined) throw malformed("a second IHDR");
      header = readHeader(body, maxPixels);
    } else if (type === PLTE) {
      if (length % 3 !== 0 || length === 0 || length > 768) throw malformed("bad PLTE length");
      palette = body;
    } else if (type === TRNS) {
      transparency = body;
    } else if (type === IDAT) {
      data.push(body);
    } else if (type === IEND) {
      break;
    } else if (((type >>> 29) & 1) === 0) {
      throw new ImageError("unsupported", MIME, "Cannot decode PNG: an unknown critical chunk");
    }
  }
  if (header === undefined) throw malformed("no IHDR");
  if (data.length === 0) throw malformed("no image data");
  if (header.colorType === 3) {
    if (palette === undefined) throw malformed("a palette image without PLTE");
  }
  const channels = CHANNELS[header.colorType] as number;
  const bitsPerPixel = channels * header.depth;
  const passes = header.interlaced ? ADAM7 : WHOLE;
  let size = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const columns = Math.ceil((header.width - x0) / dx);
    const rows = Math.ceil((header.height - y0) / dy);
    if (columns > 0 && rows > 0) size += rows * (1 + Math.ceil((columns * bitsPerPixel) / 8));
  }
  const raw = await inflateExactly(data, size, MIME, options.signal);
  const out = new Uint8ClampedArray(header.width * header.height * 4);
  const converter = new PixelConverter(header, palette, transparency, out);
  const filterStep = Math.max(1, bitsPerPixel >> 3);
  let offset = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const columns = Math.ceil((header.width - x0) / dx);
    const rows = Math.ceil((header.height - y0) / dy);
    if (columns <= 0 || rows <= 0) continue;
    const rowBytes = Math.ceil((columns * bitsPerPixel) / 8);
    unfilter(raw, offset, rows, rowBytes, filterStep);
    for (let y = 0; y < rows; y++) {
      converter.row(raw, offset + y * (rowBytes + 1) + 1, columns, y0 + y * dy, x0, dx);
    }
    offset += rows * (rowBytes + 1);
  }
  return { width: header.width, height: header.height, data: out };
}

/** Reverses PNG's per-row filters in place; `bpp` is the filter's byte step. */
function unfilter(data: Uint8Array, start: number, rows: number, rowBytes: number, bpp: number) {
  let previous = -1;
  let at = start;
  for (let y = 0; y < rows; y++) {
    const filter = data[at] as number;
    const row = at + 1;
    if (filter === 1) {
      for (let i = bpp; i < rowBytes; i++) {
        data[row + i] = (data[row + i] as number) + (data[row + i - bpp] as number);
      }
    } else if (filter === 2) {
      if (previous >= 0) {
        for (let i = 0; i < rowBytes; i++) {
          data[row + i] = (data[row + i] as number) + (data[previous + i] as number);
        }
      }
    } else if (filter === 3) {
      for (let i = 0; i < rowBytes; i++) {
        const left = i >= bpp ? (data[row + i - bpp] as number) : 0;
        const up = previous >= 0 ? (data[previous + i] as number) : 0;
        data[row + i] = (data[row + i] as number) + ((left + up) >> 1);
      }
    } else if (filter === 4) {
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? (data[row + i - bpp] as number) : 0;
        const b = previous >= 0 ? (data[previous + i] as number) : 0;
        const c = i >= bpp && previous >= 0 ? (data[previous + i - bpp] as number) : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        const predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        data[row + i] = (data[row + i] as number) + predictor;
      }
    } else if (filter !== 0) {
      throw malformed(`unknown filter type ${filter}`);
    }
    previous = row;
    at = row + rowBytes;
  }
}

/** Writes one unfiltered row of any colour type and depth into the RGBA output. */
class PixelConverter {
  readonly #header: Header;
  readonly #out: Uint8ClampedArray;
  readonly #palette: Uint8Array;
  readonly #key: number[] | undefined;
  readonly #scale: number;

  constructor(
    header: Header,
    palette: Uint8Array | undefined,
    transparency: Uint8Array | undefined,
    out: Uint8ClampedArray,
  ) {
    this.#header = header;
    this.#out = out;
    this.#scale = header.depth < 8 ? 255 / ((1 << header.depth) - 1) : 1;
    // Palette as RGBA; an index past the palette is opaque black.
    const rgba = new Uint8Array(256 * 4);
    for (let i = 0; i < 256; i++) rgba[i * 4 + 3] = 255;
    if (palette !== undefined) {
      for (let i = 0; i * 3 < palette.length; i++) {
        rgba.set(palette.subarray(i * 3, i * 3 + 3), i * 4);
        if (transparency !== undefined && i < transparency.length) {
          rgba[i * 4 + 3] = transparency[i] as number;
        }
      }
    }
    this.#palette = rgba;
    // tRNS for grey and RGB: the sample values (at the image's depth) that are fully transparent.
    if (transparency !== undefined && header.colorType === 0 && transparency.length >= 2) {
      this.#key = [((transparency[0] as number) << 8) | (transparency[1] as number)];
    } else if (transparency !== undefined && header.colorType === 2 && transparency.length >= 6) {
      this.#key = [0, 2, 4].map(
        (i) => ((transparency[i] as number) << 8) | (transparency[i + 1] as number),
      );
    } else {
      this.#key = undefined;
    }
  }

  row(raw: Uint8Array, at: number, columns: number, y: number, x0: number, dx: number): void {
    const { width, depth, colorType } = this.#header;
    const out = this.#out;
    let target = (y * width + x0) * 4;
    const step = dx * 4;
    if (depth === 8 && colorType === 6 && dx === 1) {
      out.set(raw.subarray(at, at + columns * 4), target);
      return;
    }
    const key = this.#key;
    for (let x = 0; x < columns; x++, target += step) {
      let r: number;
      let g: number;
      let b: number;
      let a = 255;
      if (depth === 8) {
        const p = at + x * (CHANNELS[colorType] as number);
        if (colorType === 2) {
          r = raw[p] as number;
          g = raw[p + 1] as number;
          b = raw[p + 2] as number;
          if (key !== undefined && r === key[0] && g === key[1] && b === key[2]) a = 0;
        } else if (colorType === 6) {
          r = raw[p] as number;
          g = raw[p + 1] as number;
          b = raw[p + 2] as number;
          a = raw[p + 3] as number;
        } else if (colorType === 4) {
          r = g = b = raw[p] as number;
          a = raw[p + 1] as number;
        } else if (colorType === 0) {
          r = g = b = raw[p] as number;
          if (key !== undefined && r === key[0]) a = 0;
        } else {
          const i = (raw[p] as number) * 4;
          r = this.#palette[i] as number;
          g = this.#palette[i + 1] as number;
          b = this.#palette[i + 2] as number;
          a = this.#palette[i + 3] as number;
        }
      } else if (depth === 16) {
        const p = at + x * (CHANNELS[colorType] as number) * 2;
        const s0 = ((raw[p] as number) << 8) | (raw[p + 1] as number);
        r = raw[p] as number;
        if (colorType === 0) {
          g = b = r;
          if (key !== undefined && s0 === key[0]) a = 0;
        } else if (colorType === 4) {
          g = b = r;
          a = raw[p + 2] as number;
        } else {
          g = raw[p + 2] as number;
          b = raw[p + 4] as number;
          if (colorType === 6) a = raw[p + 6] as number;
          else if (key !== undefined) {
            const s1 = ((raw[p + 2] as number) << 8) | (raw[p + 3] as number);
            const s2 = ((raw[p + 4] as number) << 8) | (raw[p + 5] as number);
            if (s0 === key[0] && s1 === key[1] && s2 === key[2]) a = 0;
          }
        }
      } else {
        // 1, 2 or 4 bits: grey or palette index, packed from the high bits.
        const bit = x * depth;
        const v =
          ((raw[at + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
        if (colorType === 3) {
          const i = v * 4;
          r = this.#palette[i] as number;
          g = this.#palette[i + 1] as number;
          b = this.#palette[i + 2] as number;
          a = this.#palette[i + 3] as number;
        } else {
          r = g = b = Math.round(v * this.#scale);
          if (key !== undefined && v === key[0]) a = 0;
        }
      }
      out[target] = r;
      out[target + 1] = g;
      out[target + 2] = b;
      out[target + 3] = a;
    }
  }
}
