import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { isModifierKeysym, KEYSYMS } from "./keysyms.ts";
import { keysymForCodePoint, textToKeysyms } from "./text-keysyms.ts";

// Written out by hand from X11's keysymdef.h and the Guacamole protocol reference ("key":
// Latin-1 keysyms are the character, other Unicode is 0x01000000 + the code point), plus
// guacamole-common-js's rule that C0/C1 controls are 0xFF00 | the code point.
const TABLE: readonly (readonly [string, number])[] = [
  ["a", 0x0061],
  ["Z", 0x005a],
  [" ", 0x0020],
  ["~", 0x007e],
  ["\u00a0", 0x00a0], // no-break space
  ["é", 0x00e9],
  ["ß", 0x00df],
  ["ÿ", 0x00ff],
  ["Ā", 0x01000100],
  ["Ω", 0x010003a9],
  ["ж", 0x01000436],
  ["א", 0x010005d0],
  ["€", 0x010020ac],
  ["世", 0x01004e16],
  ["\uffff", 0x0100ffff],
  ["😀", 0x0101f600],
  ["𝄞", 0x0101d11e],
  ["\u{10ffff}", 0x0110ffff],
  ["\r", 0xff0d], // Return
  ["\t", 0xff09], // Tab
  ["\b", 0xff08], // BackSpace
  ["\x1b", 0xff1b], // Escape
  ["\n", 0xff0a], // Linefeed: guacamole-common-js does not turn it into Return
  ["\x00", 0xff00],
  ["\x7f", 0xff7f],
  ["\u0085", 0xff85],
];

describe("textToKeysyms", () => {
  it.each(TABLE.map(([character, keysym]) => ({ character, keysym, hex: keysym.toString(16) })))(
    "types $character as the keysym 0x$hex",
    ({ character, keysym }) => {
      expect(textToKeysyms(character)).toEqual([keysym]);
    },
  );

  it("types a mixed non-Latin and astral string key by key", () => {
    expect(textToKeysyms("Añ€😀\r")).toEqual([0x41, 0xf1, 0x010020ac, 0x0101f600, 0xff0d]);
  });

  it("refuses a lone surrogate before typing anything", () => {
    expect(() => textToKeysyms("ok\ud800")).toThrow(RangeError);
    expect(() => keysymForCodePoint(0x110000)).toThrow(RangeError);
  });

  test.prop([fc.string({ unit: "grapheme", maxLength: 30 })])(
    "one keysym per code point, each giving back its code point",
    (text) => {
      const keysyms = textToKeysyms(text);
      const codePoints = [...text].map((c) => c.codePointAt(0)!);
      expect(keysyms).toHaveLength(codePoints.length);
      keysyms.forEach((keysym, i) => {
        const cp = codePoints[i]!;
        const back =
          keysym >= 0x01000000 ? keysym - 0x01000000 : keysym >= 0xff00 ? keysym & 0xff : keysym;
        expect(back).toBe(cp);
        // Unicode keysyms only where Latin-1 cannot say it.
        expect(keysym >= 0x01000000).toBe(cp > 0xff);
      });
    },
  );
});

describe("KEYSYMS", () => {
  it("has F1 to F24 in a row, and Enter, Tab, Escape and the arrows", () => {
    for (let n = 1; n <= 24; n++) {
      expect(KEYSYMS[`F${n}` as keyof typeof KEYSYMS]).toBe(0xffbe + n - 1);
    }
    expect([KEYSYMS.Enter, KEYSYMS.Tab, KEYSYMS.Escape]).toEqual([0xff0d, 0xff09, 0xff1b]);
    expect([KEYSYMS.ArrowLeft, KEYSYMS.ArrowUp, KEYSYMS.ArrowRight, KEYSYMS.ArrowDown]).toEqual([
      0xff51, 0xff52, 0xff53, 0xff54,
    ]);
    expect(isModifierKeysym(KEYSYMS.Shift)).toBe(true);
    expect(isModifierKeysym(KEYSYMS.F1)).toBe(false);
  });
});
