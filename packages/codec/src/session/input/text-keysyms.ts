/**
 * The keysym guacamole-common-js's `Guacamole.Keyboard` sends for one Unicode code point: C0 and C1
 * control characters as `0xFF00 | code point` (so `"\r"` is Return, `"\t"` Tab, `"\b"` BackSpace,
 * `"\x1b"` Escape, and `"\n"` Linefeed, not Return), the rest of Latin-1 as the code point itself,
 * and everything above as `0x01000000 | code point` (X11's Unicode keysyms). Throws a `RangeError`
 * for a lone surrogate or a value that is no code point.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keysymForCodePoint } from "@guacstream/codec/client";
 *
 * assert.equal(keysymForCodePoint("a".codePointAt(0)!), 0x61);
 * assert.equal(keysymForCodePoint("é".codePointAt(0)!), 0xe9);
 * assert.equal(keysymForCodePoint("€".codePointAt(0)!), 0x010020ac);
 * assert.equal(keysymForCodePoint(0x0d), 0xff0d);
 * ```
 */
export function keysymForCodePoint(codePoint: number): number {
  if (!Number.isInteger(codePoint) || codePoint < 0 || codePoint > 0x10ffff) {
    throw new RangeError(`Cannot map ${codePoint} to a keysym: it is no Unicode code point`);
  }
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
    throw new RangeError(
      `Cannot map U+${codePoint.toString(16).toUpperCase()} to a keysym: it is a lone surrogate`,
    );
  }
  if (codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f)) return 0xff00 | codePoint;
  if (codePoint <= 0xff) return codePoint;
  return 0x01000000 | codePoint;
}

/**
 * The keysyms that type `text`, one per code point, as `Guacamole.Keyboard.type()` maps them.
 * A character outside the Basic Multilingual Plane is one keysym (`0x01000000 | code point`);
 * guacamole-common-js up to 1.6 also sends a second key for its low surrogate, which this does
 * not copy. Throws a `RangeError` on a lone surrogate, before anything is typed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textToKeysyms } from "@guacstream/codec/client";
 *
 * assert.deepEqual(textToKeysyms("ls\r"), [0x6c, 0x73, 0xff0d]);
 * assert.deepEqual(textToKeysyms("Ω😀"), [0x010003a9, 0x0101f600]);
 * ```
 */
export function textToKeysyms(text: string): number[] {
  const keysyms: number[] = [];
  for (const character of text) keysyms.push(keysymForCodePoint(character.codePointAt(0)!));
  return keysyms;
}
