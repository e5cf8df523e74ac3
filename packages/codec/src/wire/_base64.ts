/** Each byte's 6-bit value in the standard base64 alphabet, or -1. */
const VALUE = (() => {
  const table = new Int8Array(256).fill(-1);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/**
 * Decodes the base64 text in `bytes[start..end)` (ASCII) to bytes. Padding is optional; bytes
 * outside the alphabet (padding included) are skipped, as Node's `Buffer.from(text, "base64")`
 * does, so a corrupt payload gives corrupt bytes for the image decoder to reject, not an error
 * here. Whole groups of four alphabet bytes, all of a valid payload but its end, take the
 * straight loop.
 */
export function decodeBase64(bytes: Uint8Array, start: number, end: number): Uint8Array {
  // Exact for valid base64, so the result is its buffer's only view; less valid input, less out.
  let pads = 0;
  while (pads < 2 && end - pads > start && bytes[end - pads - 1] === 0x3d) pads++;
  const out = new Uint8Array(Math.floor(((end - start - pads) * 3) / 4));
  let n = 0;
  let at = start;
  const whole = end - 3;
  while (at < whole) {
    const a = VALUE[bytes[at]!]!;
    const b = VALUE[bytes[at + 1]!]!;
    const c = VALUE[bytes[at + 2]!]!;
    const d = VALUE[bytes[at + 3]!]!;
    if ((a | b | c | d) < 0 || n + 3 > out.length) break;
    const group = (a << 18) | (b << 12) | (c << 6) | d;
    out[n] = group >> 16;
    out[n + 1] = (group >> 8) & 0xff;
    out[n + 2] = group & 0xff;
    n += 3;
    at += 4;
  }
  // The tail (padding, a short last group) or anything unusual: one character at a time.
  let buffer = 0;
  let bits = 0;
  for (; at < end; at++) {
    const value = VALUE[bytes[at]!]!;
    if (value < 0) continue;
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (buffer >> bits) & 0xff;
    }
  }
  return n === out.length ? out : out.subarray(0, n);
}
