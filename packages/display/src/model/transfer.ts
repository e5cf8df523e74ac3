/**
 * Applies transfer function `fn` to the straight-alpha destination pixel at `d` with the source
 * pixel at `s`, as guacamole-common-js's per-pixel functions do on `ImageData`: the colour
 * channels follow the function, alpha changes only for SRC (0x3) and NOT-SRC (0xC), which take
 * the source's.
 *
 * @example Invert the destination
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyTransfer } from "@guacstream/display";
 *
 * const src = new Uint8ClampedArray([0, 0, 0, 255]);
 * const dst = new Uint8ClampedArray([10, 20, 30, 200]);
 * applyTransfer(0xa, src, 0, dst, 0);
 * assert.deepEqual([...dst], [245, 235, 225, 200]);
 * ```
 */
export function applyTransfer(
  fn: number,
  src: Uint8ClampedArray,
  s: number,
  dst: Uint8ClampedArray,
  d: number,
): void {
  if (fn === 0x5) return;
  if (fn === 0x3 || fn === 0xc) {
    const invert = fn === 0xc ? 0xff : 0;
    dst[d] = (src[s] as number) ^ invert;
    dst[d + 1] = (src[s + 1] as number) ^ invert;
    dst[d + 2] = (src[s + 2] as number) ^ invert;
    dst[d + 3] = src[s + 3] as number;
    return;
  }
  for (let c = 0; c < 3; c++) {
    dst[d + c] = transferChannel(fn, src[s + c] as number, dst[d + c] as number);
  }
}

/**
 * One colour channel of a transfer: the function's truth table over the bits of `s` and `d`.
 *
 * @example XOR
 * ```ts
 * import assert from "node:assert/strict";
 * import { transferChannel } from "@guacstream/display";
 *
 * assert.equal(transferChannel(0x6, 0b1100, 0b1010), 0b0110);
 * ```
 */
export function transferChannel(fn: number, s: number, d: number): number {
  switch (fn) {
    case 0x0:
      return 0;
    case 0x1:
      return s & d;
    case 0x2:
      return s & ~d & 0xff;
    case 0x3:
      return s;
    case 0x4:
      return ~s & d & 0xff;
    case 0x5:
      return d;
    case 0x6:
      return s ^ d;
    case 0x7:
      return s | d;
    case 0x8:
      return ~(s | d) & 0xff;
    case 0x9:
      return ~(s ^ d) & 0xff;
    case 0xa:
      return ~d & 0xff;
    case 0xb:
      return (s | ~d) & 0xff;
    case 0xc:
      return ~s & 0xff;
    case 0xd:
      return (~s | d) & 0xff;
    case 0xe:
      return ~(s & d) & 0xff;
    default:
      return 0xff;
  }
}
