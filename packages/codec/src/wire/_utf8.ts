import { NATIVES } from "./_native.ts";

/**
 * How many bytes guacd takes as one character when a byte starts it (libguac `guac_utf8_charsize`):
 * the size its lead bits declare (2-4 bytes), or 1 for ASCII and for any byte that cannot start a
 * UTF-8 sequence (a stray continuation byte, 0xF8-0xFF).
 */
export const GUACD_CHAR_SIZE: Uint8Array = /* @__PURE__ */ (() => {
  const table = new Uint8Array(256).fill(1);
  table.fill(2, 0xc0, 0xe0);
  table.fill(3, 0xe0, 0xf0);
  table.fill(4, 0xf0, 0xf8);
  return table;
})();

/** Whether bytes[start..end) are all below 0x80, checked a 32-bit word at a time where aligned. */
export function isAsciiRange(
  bytes: Uint8Array,
  words: Int32Array,
  start: number,
  end: number,
): boolean {
  let acc = 0;
  let i = start;
  const base = bytes.byteOffset;
  // Head: bytes up to the first 4-byte-aligned address.
  while (i < end && ((base + i) & 3) !== 0) acc |= bytes[i++]!;
  // Only if the head reached an aligned address inside the range (else the word index would
  // point before `start`).
  if (i < end) {
    let w = (base + i) >> 2;
    const wordEnd = (base + end) >> 2;
    // Four words per turn; the OR of them all has a high bit set in some byte iff any byte does.
    while (w + 4 <= wordEnd) {
      acc |= words[w]! | words[w + 1]! | words[w + 2]! | words[w + 3]!;
      w += 4;
    }
    while (w < wordEnd) acc |= words[w++]!;
    i = (w << 2) - base;
    while (i < end) acc |= bytes[i++]!;
  }
  return (acc & 0x80808080) === 0;
}

/** Spans at least this long go to the runtime's native check, when it has one. */
const NATIVE_SPAN = 256;

/**
 * {@link isAsciiRange}, by the runtime's native SIMD check for long spans where there is one
 * (Node, Deno, Bun): on base64 image data, most of what guacd sends, this check is most of a
 * framer's work.
 */
export function isAsciiSpan(
  bytes: Uint8Array,
  words: Int32Array,
  start: number,
  end: number,
): boolean {
  const isAscii = NATIVES.isAscii;
  if (isAscii !== undefined && end - start >= NATIVE_SPAN) {
    return isAscii(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
  }
  return isAsciiRange(bytes, words, start, end);
}

/** A 32-bit view over the whole buffer behind `bytes`, for {@link isAsciiRange}. */
export function wordsOf(bytes: Uint8Array): Int32Array {
  const buffer = bytes.buffer;
  return new Int32Array(buffer, 0, buffer.byteLength >> 2);
}
