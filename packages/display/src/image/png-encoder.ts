import { crc32 } from "./_crc32.ts";
import { ImageError } from "./image-error.ts";
import type { RgbaImage } from "./rgba-image.ts";

const SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/**
 * Filters each row with whichever of None, Sub or Up gives the smallest sum of absolute values
 * (the usual heuristic: deflate then finds longer runs), one filter byte before each row.
 */
function filterRows(image: RgbaImage): Uint8Array {
  const { width, height, data } = image;
  const stride = width * 4;
  const out = new Uint8Array(height * (stride + 1));
  const sub = new Uint8Array(stride);
  const up = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    let sumNone = 0;
    let sumSub = 0;
    let sumUp = 0;
    for (let i = 0; i < stride; i++) {
      const v = data[row + i] as number;
      const s = (v - (i >= 4 ? (data[row + i - 4] as number) : 0)) & 0xff;
      const u = (v - (y > 0 ? (data[row - stride + i] as number) : 0)) & 0xff;
      sub[i] = s;
      up[i] = u;
      sumNone += v < 128 ? v : 256 - v;
      sumSub += s < 128 ? s : 256 - s;
      sumUp += u < 128 ? u : 256 - u;
    }
    const at = y * (stride + 1);
    if (sumSub <= sumUp && sumSub < sumNone) {
      out[at] = 1;
      out.set(sub, at + 1);
    } else if (sumUp < sumNone) {
      out[at] = 2;
      out.set(up, at + 1);
    } else {
      out.set(data.subarray(row, row + stride), at + 1);
    }
  }
  return out;
}

/**
 * Encodes straight-alpha RGBA pixels as an 8-bit RGBA PNG, compressed with the platform's
 * `CompressionStream`: no native addon, the same in Node, Deno, Bun and browsers.
 *
 * @example A screenshot's bytes start with the PNG signature
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePng } from "@guacstream/display";
 *
 * const image = { width: 2, height: 1, data: new Uint8ClampedArray([0, 0, 0, 255, 9, 9, 9, 255]) };
 * const png = await encodePng(image);
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * ```
 */
export async function encodePng(image: RgbaImage): Promise<Uint8Array> {
  const { width, height, data } = image;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    data.length !== width * height * 4
  ) {
    throw new ImageError(
      "malformed",
      "image/png",
      `Cannot encode PNG: ${width}x${height} does not match ${data.length} bytes of RGBA`,
    );
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8;
  header[9] = 6;
  const compressed = await new Response(
    new Blob([filterRows(image) as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new CompressionStream("deflate")),
  ).arrayBuffer();
  const parts = [
    SIGNATURE,
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(compressed)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
