/**
 * The canvas composite operations guacd's channel masks map to, as guacamole-common-js maps them.
 */
export type CompositeOperation =
  | "source-over"
  | "source-in"
  | "source-out"
  | "source-atop"
  | "destination-over"
  | "destination-in"
  | "destination-out"
  | "destination-atop"
  | "xor"
  | "copy"
  | "lighter";

/**
 * Channel mask → composite operation. Masks 0x0, 0x3, 0x5, 0x7 and 0xD have none in a browser:
 * guacamole-common-js assigns `undefined`, which a canvas ignores, so the previous operation stays.
 *
 * @example guacd's usual mask
 * ```ts
 * import assert from "node:assert/strict";
 * import { CHANNEL_MASK_OPERATIONS } from "@guacstream/display";
 *
 * assert.equal(CHANNEL_MASK_OPERATIONS[0xe], "source-over");
 * assert.equal(CHANNEL_MASK_OPERATIONS[0x3], undefined);
 * ```
 */
export const CHANNEL_MASK_OPERATIONS: Readonly<Record<number, CompositeOperation>> = {
  1: "destination-in",
  2: "destination-out",
  4: "source-in",
  6: "source-atop",
  8: "source-out",
  9: "destination-atop",
  10: "xor",
  11: "destination-over",
  12: "copy",
  14: "source-over",
  15: "lighter",
};

/**
 * Operations a canvas applies to the whole clip region, not just under the shape: outside it they
 * see a transparent source, which clears the destination.
 */
export function isUnbounded(op: CompositeOperation): boolean {
  return (
    op === "copy" ||
    op === "source-in" ||
    op === "source-out" ||
    op === "destination-in" ||
    op === "destination-atop"
  );
}

// Porter-Duff factors (Fa for the source, Fb for the destination) by operation, as codes for a switch.
const OP_CODES: Readonly<Record<CompositeOperation, number>> = {
  "source-over": 0,
  "source-in": 1,
  "source-out": 2,
  "source-atop": 3,
  "destination-over": 4,
  "destination-in": 5,
  "destination-out": 6,
  "destination-atop": 7,
  xor: 8,
  copy: 9,
  lighter: 10,
};

/** The numeric form of an operation for {@link compositePixel}'s hot loop. */
export function operationCode(op: CompositeOperation): number {
  return OP_CODES[op];
}

/**
 * Composites one straight-alpha source pixel onto `dst` at byte offset `i`, with coverage
 * `cover` in 0..1 (anti-aliased edges, clip masks). Works in premultiplied floating point and
 * rounds once when storing straight alpha again, so opaque results are exact.
 */
export function compositePixel(
  code: number,
  dst: Uint8ClampedArray,
  i: number,
  sr: number,
  sg: number,
  sb: number,
  sa: number,
  cover: number,
): void {
  const da = dst[i + 3] as number;
  const as = sa / 255;
  const ad = da / 255;
  let fa: number;
  let fb: number;
  switch (code) {
    case 0:
      if (sa === 255 && cover === 1) {
        dst[i] = sr;
        dst[i + 1] = sg;
        dst[i + 2] = sb;
        dst[i + 3] = 255;
        return;
      }
      fa = 1;
      fb = 1 - as;
      break;
    case 1:
      fa = ad;
      fb = 0;
      break;
    case 2:
      fa = 1 - ad;
      fb = 0;
      break;
    case 3:
      fa = ad;
      fb = 1 - as;
      break;
    case 4:
      fa = 1 - ad;
      fb = 1;
      break;
    case 5:
      fa = 0;
      fb = as;
      break;
    case 6:
      fa = 0;
      fb = 1 - as;
      break;
    case 7:
      fa = 1 - ad;
      fb = as;
      break;
    case 8:
      fa = 1 - ad;
      fb = 1 - as;
      break;
    case 9:
      fa = 1;
      fb = 0;
      break;
    default:
      fa = 1;
      fb = 1;
  }
  // Premultiplied result of the operation, then blended with the old pixel by coverage.
  let oa = Math.min(1, fa * as + fb * ad);
  let or = Math.min(1, (fa * as * sr + fb * ad * (dst[i] as number)) / 255);
  let og = Math.min(1, (fa * as * sg + fb * ad * (dst[i + 1] as number)) / 255);
  let ob = Math.min(1, (fa * as * sb + fb * ad * (dst[i + 2] as number)) / 255);
  if (cover < 1) {
    const keep = 1 - cover;
    oa = oa * cover + ad * keep;
    or = or * cover + ((ad * (dst[i] as number)) / 255) * keep;
    og = og * cover + ((ad * (dst[i + 1] as number)) / 255) * keep;
    ob = ob * cover + ((ad * (dst[i + 2] as number)) / 255) * keep;
  }
  storePremultiplied(dst, i, or, og, ob, oa);
}

/** Stores a premultiplied colour (components 0..1) as straight-alpha bytes. */
export function storePremultiplied(
  dst: Uint8ClampedArray,
  i: number,
  r: number,
  g: number,
  b: number,
  a: number,
): void {
  const alpha = Math.round(a * 255);
  if (alpha === 0) {
    dst[i] = 0;
    dst[i + 1] = 0;
    dst[i + 2] = 0;
    dst[i + 3] = 0;
    return;
  }
  dst[i] = Math.round((r / a) * 255);
  dst[i + 1] = Math.round((g / a) * 255);
  dst[i + 2] = Math.round((b / a) * 255);
  dst[i + 3] = alpha;
}
