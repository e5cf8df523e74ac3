import type { ScanCursor } from "./_scan-cursor.ts";
import { GUACD_CHAR_SIZE, isAsciiSpan } from "./_utf8.ts";

const COMMA = 0x2c;
const SEMICOLON = 0x3b;

/**
 * Where a value ends, its characters counted guacd's way: every character but the last is
 * skipped blindly by the size its lead byte declares, as guacd's writer counted it. `left`
 * characters remain from `pos`. Returns the index of the byte after the value, or -1 when the
 * bytes run out first (then `cursor` keeps `pos` and `charsLeft` for the next buffer). `atEnd`:
 * no byte will follow `bytes[end - 1]`.
 */
export function guacdValueEnd(
  bytes: Uint8Array,
  words: Int32Array,
  pos: number,
  end: number,
  left: number,
  atEnd: boolean,
  cursor: ScanCursor,
): number {
  // An ASCII stretch (most of a value that straddles two reads) is skipped a word at a time.
  const run = Math.min(left - 1, end - pos);
  if (run > 0 && isAsciiSpan(bytes, words, pos, pos + run)) {
    pos += run;
    left -= run;
  }
  while (left > 1) {
    if (pos >= end) return suspend(cursor, pos, left);
    pos += GUACD_CHAR_SIZE[bytes[pos]!]!;
    left--;
  }
  let valueEnd = pos;
  if (left === 1) {
    if (pos >= end) return suspend(cursor, pos, left);
    const size = GUACD_CHAR_SIZE[bytes[pos]!]!;
    // Which byte follows the last character decides where the value ends; at the end of input
    // there is none, and only a terminator inside the character can end it.
    if (pos + size >= end && !atEnd) return suspend(cursor, pos, left);
    valueEnd = pos + size;
    const after = valueEnd < end ? bytes[valueEnd] : undefined;
    if (after !== COMMA && after !== SEMICOLON) {
      // guacd cut the value inside its last character: the value ends at the first terminator
      // byte the declared size would have swallowed.
      for (let i = pos + 1; i < Math.min(pos + size, end); i++) {
        const byte = bytes[i];
        if (byte === COMMA || byte === SEMICOLON) {
          valueEnd = i;
          break;
        }
      }
    }
  }
  if (valueEnd >= end) return suspend(cursor, pos, left); // only at the end of input
  return valueEnd;
}

/** The bytes ran out inside a value: the cursor keeps where, and how many characters are left. */
function suspend(cursor: ScanCursor, pos: number, left: number): number {
  cursor.pos = pos;
  cursor.charsLeft = left;
  return -1;
}
