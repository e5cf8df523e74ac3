import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { Layer } from "./layer.ts";
import { PixelBudget } from "./pixel-budget.ts";
import { applyTransfer } from "./transfer.ts";

// Each function as the truth table guacd numbers it by: for source bit s and destination bit d,
// the result is bit 3 - (2s + d) of the function index (0x1 AND, 0x7 OR, 0x6 XOR, 0xA NOT DEST).
function byTruthTable(fn: number, s: number, d: number): number {
  let out = 0;
  for (let bit = 0; bit < 8; bit++) {
    const sb = (s >> bit) & 1;
    const db = (d >> bit) & 1;
    out |= ((fn >> (3 - (sb * 2 + db))) & 1) << bit;
  }
  return out;
}

const byte = fc.integer({ min: 0, max: 255 });
const pixelArb = fc.tuple(byte, byte, byte, byte);

describe("transfer functions", () => {
  test.prop([fc.integer({ min: 0, max: 15 }), pixelArb, pixelArb])(
    "every function computes each colour channel as its truth table says",
    (fn, s, d) => {
      const src = new Uint8ClampedArray(s);
      const dst = new Uint8ClampedArray(d);
      applyTransfer(fn, src, 0, dst, 0);
      for (let c = 0; c < 3; c++) {
        const expected = byTruthTable(fn, s[c] as number, d[c] as number);
        expect(dst[c]).toBe(expected);
      }
      // Only SRC and NOT-SRC take the source's alpha; the rest keep the destination's.
      expect(dst[3]).toBe(fn === 0x3 || fn === 0xc ? s[3] : d[3]);
    },
  );

  test.prop([pixelArb, pixelArb, fc.constantFrom(0x6, 0x9, 0xa, 0xc)])(
    "XOR, XNOR and the inversions undo themselves when applied twice",
    (s, d, fn) => {
      const src = new Uint8ClampedArray(s);
      const dst = new Uint8ClampedArray(d);
      applyTransfer(fn, src, 0, dst, 0);
      if (fn === 0xc) {
        // NOT SRC writes the inverted source: inverting that again gives the source back.
        const again = new Uint8ClampedArray(4);
        applyTransfer(0xc, dst, 0, again, 0);
        expect([...again]).toEqual(s);
        return;
      }
      applyTransfer(fn, src, 0, dst, 0);
      expect([...dst]).toEqual(d);
    },
  );

  it("names match guacd's: 0x1 AND, 0x6 XOR, 0x7 OR, 0xA NOT DEST, 0xC NOT SRC", () => {
    const run = (fn: number) => {
      const dst = new Uint8ClampedArray([0b1100, 0, 0, 255]);
      applyTransfer(fn, new Uint8ClampedArray([0b1010, 0, 0, 255]), 0, dst, 0);
      return dst[0];
    };
    expect(run(0x1)).toBe(0b1000);
    expect(run(0x6)).toBe(0b0110);
    expect(run(0x7)).toBe(0b1110);
    expect(run(0xa)).toBe(0xff & ~0b1100);
    expect(run(0xc)).toBe(0xff & ~0b1010);
  });

  it("reads the source before writing when a layer transfers onto itself, overlapping", () => {
    const layer = new Layer(new PixelBudget(), 64, 64);
    const data = layer.surface.writable() as Uint8ClampedArray;
    for (let x = 0; x < 4; x++) data.set([x * 10, 0, 0, 255], x * 4);
    layer.transfer(layer, 0, 0, 3, 1, 1, 0, 0x3);
    expect([data[4], data[8], data[12]]).toEqual([0, 10, 20]);
  });

  it("treats source pixels outside the canvas as transparent black and skips destination pixels outside", () => {
    const budget = new PixelBudget();
    const src = new Layer(budget, 64, 64);
    (src.surface.writable() as Uint8ClampedArray).fill(200);
    const dst = new Layer(budget, 64, 64);
    const d = dst.surface.writable() as Uint8ClampedArray;
    d.fill(7);
    dst.transfer(src, -1, 0, 2, 1, 63, 0, 0x7); // OR: first source pixel is outside the source
    expect([...d.subarray(63 * 4, 64 * 4)]).toEqual([7, 7, 7, 7]);
  });
});
