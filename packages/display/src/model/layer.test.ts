import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { Layer } from "./layer.ts";
import { PixelBudget } from "./pixel-budget.ts";

function at(layer: Layer, x: number, y: number): number[] {
  const data = layer.surface.pixels;
  const i = (y * layer.surface.width + x) * 4;
  return data === undefined ? [0, 0, 0, 0] : [...data.subarray(i, i + 4)];
}

function coverageSum(layer: Layer): number {
  let sum = 0;
  const data = layer.surface.pixels ?? new Uint8ClampedArray();
  for (let i = 3; i < data.length; i += 4) sum += (data[i] as number) / 255;
  return sum;
}

function fillRect(layer: Layer, x: number, y: number, w: number, h: number, rgba: number[]): void {
  layer.rect(x, y, w, h);
  layer.fillColor(rgba[0] ?? 0, rgba[1] ?? 0, rgba[2] ?? 0, rgba[3] ?? 0);
}

describe("Layer sizes", () => {
  it("rounds its canvas up to 64 pixels and allocates only once drawn on", () => {
    const budget = new PixelBudget();
    const layer = new Layer(budget, 100, 10);
    expect([layer.surface.width, layer.surface.height]).toEqual([128, 64]);
    expect(budget.bytes).toBe(0);
    fillRect(layer, 0, 0, 1, 1, [1, 2, 3, 255]);
    expect(budget.bytes).toBe(128 * 64 * 4);
  });

  it("keeps its pixels when resized, up to the old layer size", () => {
    const layer = new Layer(new PixelBudget(), 10, 10);
    fillRect(layer, 0, 0, 10, 10, [9, 9, 9, 255]);
    layer.resize(200, 5);
    expect(at(layer, 9, 4)).toEqual([9, 9, 9, 255]);
    layer.resize(200, 200);
    expect(at(layer, 9, 9)).toEqual([0, 0, 0, 0]); // cut at 5 rows by the previous size
  });

  it("grows a buffer to fit what is drawn on it", () => {
    const buffer = new Layer(new PixelBudget(), 0, 0);
    buffer.autosize = true;
    fillRect(buffer, 70, 10, 30, 5, [0, 255, 0, 255]);
    expect([buffer.width, buffer.height]).toEqual([100, 15]);
    expect(at(buffer, 99, 14)).toEqual([0, 255, 0, 255]);
  });

  it("refuses a size past the pixel budget and stays as it was", () => {
    const layer = new Layer(new PixelBudget(10_000), 64, 64);
    expect(() => layer.resize(100_000, 100_000)).toThrow(
      expect.objectContaining({ code: "PIXEL_BUDGET" }),
    );
    expect([layer.width, layer.height]).toEqual([64, 64]);
  });
});

describe("Layer paths", () => {
  it("fills whole-pixel rectangles exactly, clipped to the canvas", () => {
    const layer = new Layer(new PixelBudget(), 64, 64);
    fillRect(layer, -5, -5, 7, 7, [255, 0, 0, 255]);
    expect(at(layer, 1, 1)).toEqual([255, 0, 0, 255]);
    expect(at(layer, 2, 2)).toEqual([0, 0, 0, 0]);
    expect(coverageSum(layer)).toBe(4);
  });

  it("fills the union of several rectangles in one path", () => {
    const layer = new Layer(new PixelBudget(), 64, 64);
    layer.rect(0, 0, 4, 4);
    layer.rect(2, 2, 4, 4);
    layer.fillColor(0, 0, 0, 255);
    expect(coverageSum(layer)).toBeCloseTo(16 + 16 - 4, 5);
  });

  test.prop([fc.integer({ min: 3, max: 25 })])(
    "a filled circle covers π·r² pixels (within 1%)",
    (r) => {
      const layer = new Layer(new PixelBudget(), 64, 64);
      layer.arc(32, 32, r, 0, 2 * Math.PI, false);
      layer.fillColor(0, 0, 0, 255);
      expect(Math.abs(coverageSum(layer) - Math.PI * r * r) / (Math.PI * r * r)).toBeLessThan(0.01);
    },
  );

  it("strokes a closed square with butt caps: a band of the given thickness", () => {
    const layer = new Layer(new PixelBudget(), 64, 64);
    layer.moveTo(10, 10);
    layer.lineTo(30, 10);
    layer.lineTo(30, 30);
    layer.lineTo(10, 30);
    layer.close();
    layer.strokeColor("butt", "miter", 2, 0, 0, 0, 255);
    // Outer 22×22 minus inner 18×18.
    expect(coverageSum(layer)).toBeCloseTo(22 * 22 - 18 * 18, 0);
    expect(at(layer, 20, 9)).toEqual([0, 0, 0, 255]);
    expect(at(layer, 20, 20)).toEqual([0, 0, 0, 0]);
  });

  it("draws a curve through its end points", () => {
    const layer = new Layer(new PixelBudget(), 64, 64);
    layer.moveTo(0, 32);
    layer.curveTo(20, 0, 40, 64, 60, 32);
    layer.strokeColor("round", "round", 4, 0, 0, 0, 255);
    expect(at(layer, 58, 32)[3]).toBe(255);
    // Area ≈ length × thickness (plus the round caps).
    let length = 0;
    let [px, py] = [0, 32];
    for (let i = 1; i <= 1000; i++) {
      const t = i / 1000;
      const u = 1 - t;
      const x = 3 * u * u * t * 20 + 3 * u * t * t * 40 + t * t * t * 60;
      const y = u * u * u * 32 + 3 * u * t * t * 64 + t * t * t * 32;
      length += Math.hypot(x - px, y - py);
      [px, py] = [x, y];
    }
    expect(Math.abs(coverageSum(layer) - (length * 4 + Math.PI * 4)) / (length * 4)).toBeLessThan(
      0.03,
    );
    expect(at(layer, 32, 5)[3]).toBe(0);
  });
});

describe("Layer state", () => {
  it("clips later drawing to the path, and pop restores the clip pushed before it", () => {
    const layer = new Layer(new PixelBudget(), 64, 64);
    layer.push();
    layer.rect(0, 0, 2, 2);
    layer.clip();
    fillRect(layer, 0, 0, 10, 10, [255, 0, 0, 255]);
    expect(coverageSum(layer)).toBe(4);
    layer.pop();
    fillRect(layer, 0, 0, 10, 10, [255, 0, 0, 255]);
    expect(coverageSum(layer)).toBe(100);
  });

  it("applies transforms to path points; identity and reset undo them", () => {
    const layer = new Layer(new PixelBudget(), 64, 64);
    layer.transform([2, 0, 0, 2, 10, 0]);
    fillRect(layer, 0, 0, 1, 1, [0, 0, 255, 255]);
    expect(at(layer, 11, 1)).toEqual([0, 0, 255, 255]);
    expect(coverageSum(layer)).toBe(4);
    layer.setTransform();
    fillRect(layer, 0, 0, 1, 1, [0, 0, 255, 255]);
    expect(at(layer, 0, 0)).toEqual([0, 0, 255, 255]);
    layer.transform([1, 0, 0, 1, 5, 5]);
    layer.reset();
    fillRect(layer, 3, 3, 1, 1, [0, 0, 255, 255]);
    expect(at(layer, 3, 3)).toEqual([0, 0, 255, 255]);
  });
});

describe("Layer copy", () => {
  test.prop([fc.integer({ min: -8, max: 8 }), fc.integer({ min: -8, max: 8 })])(
    "a self-copy that overlaps reads the pixels as they were (scrolling)",
    (dx, dy) => {
      const layer = new Layer(new PixelBudget(), 64, 64);
      const data = layer.surface.writable() as Uint8ClampedArray;
      for (let i = 0; i < data.length; i += 4) data.set([i & 255, (i >> 8) & 255, 7, 255], i);
      const before = data.slice();
      layer.setChannelMask(0xe);
      layer.copy(layer, 16, 16, 20, 20, 16 + dx, 16 + dy);
      for (let y = 0; y < 20; y++) {
        for (let x = 0; x < 20; x++) {
          const d = ((16 + dy + y) * 64 + 16 + dx + x) * 4;
          const s = ((16 + y) * 64 + 16 + x) * 4;
          expect([...data.subarray(d, d + 4)]).toEqual([...before.subarray(s, s + 4)]);
        }
      }
    },
  );

  test.prop([
    fc.integer({ min: -20, max: 80 }),
    fc.integer({ min: -20, max: 80 }),
    fc.integer({ min: 0, max: 63 }),
    fc.integer({ min: 0, max: 63 }),
    fc.integer({ min: 1, max: 70 }),
    fc.integer({ min: 1, max: 70 }),
  ])(
    "scrolling in place equals the copy through a snapshot, edges included",
    (x, y, sx, sy, w, h) => {
      const budget = new PixelBudget();
      const [inPlace, general] = [new Layer(budget, 64, 64), new Layer(budget, 64, 64)];
      for (const layer of [inPlace, general]) {
        const data = layer.surface.writable() as Uint8ClampedArray;
        for (let i = 0; i < data.length; i += 4)
          data.set([(i * 5) & 255, (i >> 6) & 255, 3, 255], i);
      }
      // A clip over the whole canvas sends the same copy through the snapshot.
      general.rect(0, 0, 64, 64);
      general.clip();
      for (const layer of [inPlace, general]) layer.copy(layer, sx, sy, w, h, x, y);
      const a = inPlace.surface.pixels as Uint8ClampedArray;
      const b = general.surface.pixels as Uint8ClampedArray;
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    },
  );

  test.prop([fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })])(
    "copying to a buffer and back restores the pixels",
    (x, y) => {
      const budget = new PixelBudget();
      const layer = new Layer(budget, 64, 64);
      const data = layer.surface.writable() as Uint8ClampedArray;
      for (let i = 0; i < data.length; i += 4) data.set([(i * 7) & 255, (i * 13) & 255, 1, 255], i);
      const before = data.slice();
      const buffer = new Layer(budget, 0, 0);
      buffer.autosize = true;
      buffer.copy(layer, x, y, 24, 24, 0, 0);
      fillRect(layer, x, y, 24, 24, [0, 0, 0, 255]);
      layer.copy(buffer, 0, 0, 24, 24, x, y);
      expect(Buffer.from(data).equals(Buffer.from(before))).toBe(true);
    },
  );

  it("with copy (mask 0xC) clears the rest of the destination, as a canvas does", () => {
    const budget = new PixelBudget();
    const src = new Layer(budget, 64, 64);
    fillRect(src, 0, 0, 64, 64, [0, 255, 0, 255]);
    const dst = new Layer(budget, 64, 64);
    fillRect(dst, 0, 0, 64, 64, [255, 0, 0, 255]);
    dst.setChannelMask(0xc);
    dst.copy(src, 0, 0, 2, 2, 10, 10);
    expect(at(dst, 10, 10)).toEqual([0, 255, 0, 255]);
    expect(at(dst, 0, 0)).toEqual([0, 0, 0, 0]);
    expect(coverageSum(dst)).toBe(4);
  });

  it("clips the source rectangle to the source canvas and moves the destination with it", () => {
    const budget = new PixelBudget();
    const src = new Layer(budget, 64, 64);
    fillRect(src, 0, 0, 1, 1, [1, 2, 3, 255]);
    const dst = new Layer(budget, 64, 64);
    dst.copy(src, -2, -2, 4, 4, 10, 10);
    expect(at(dst, 12, 12)).toEqual([1, 2, 3, 255]);
    expect(coverageSum(dst)).toBe(1);
  });
});

describe("Layer patterns, arcs and unbounded fills", () => {
  it("lfill repeats the source canvas as a pattern from the origin", () => {
    const budget = new PixelBudget();
    const tile = new Layer(budget, 2, 2);
    fillRect(tile, 0, 0, 1, 1, [255, 0, 0, 255]);
    const layer = new Layer(budget, 128, 128);
    layer.rect(0, 0, 128, 128);
    layer.fillLayer(tile);
    // The tile's canvas is 64×64 (only its top-left pixel red), so red repeats every 64 pixels.
    expect(at(layer, 0, 0)).toEqual([255, 0, 0, 255]);
    expect(at(layer, 64, 64)).toEqual([255, 0, 0, 255]);
    expect(at(layer, 1, 0)).toEqual([0, 0, 0, 0]);
    expect(coverageSum(layer)).toBe(4);
  });

  it("an anticlockwise arc takes the other way round", () => {
    const clockwise = new Layer(new PixelBudget(), 64, 64);
    clockwise.moveTo(32, 32);
    clockwise.arc(32, 32, 20, 0, Math.PI / 2, false);
    clockwise.close();
    clockwise.fillColor(0, 0, 0, 255);
    const anticlockwise = new Layer(new PixelBudget(), 64, 64);
    anticlockwise.moveTo(32, 32);
    anticlockwise.arc(32, 32, 20, 0, Math.PI / 2, true);
    anticlockwise.close();
    anticlockwise.fillColor(0, 0, 0, 255);
    const quarter = (Math.PI * 400) / 4;
    expect(Math.abs(coverageSum(clockwise) - quarter) / quarter).toBeLessThan(0.02);
    expect(Math.abs(coverageSum(anticlockwise) - 3 * quarter) / (3 * quarter)).toBeLessThan(0.02);
    expect(at(clockwise, 40, 40)[3]).toBe(255); // below right: y grows downwards
    expect(at(anticlockwise, 40, 40)[3]).toBe(0);
  });

  it("an unbounded fill (source-in) clears outside the shape but only inside the clip", () => {
    const layer = new Layer(new PixelBudget(), 64, 64);
    fillRect(layer, 0, 0, 64, 64, [0, 0, 255, 255]);
    layer.rect(0, 0, 32, 64);
    layer.clip();
    layer.setChannelMask(0x4); // source-in
    fillRect(layer, 0, 0, 8, 8, [255, 0, 0, 255]);
    expect(at(layer, 4, 4)).toEqual([255, 0, 0, 255]);
    expect(at(layer, 20, 20)).toEqual([0, 0, 0, 0]); // inside the clip, outside the shape
    expect(at(layer, 40, 40)).toEqual([0, 0, 255, 255]); // outside the clip: untouched
  });
});

describe("whole-pixel rectangle fills", () => {
  const rectArb = fc.record({
    x: fc.integer({ min: -10, max: 70 }),
    y: fc.integer({ min: -10, max: 70 }),
    w: fc.integer({ min: 0, max: 80 }),
    h: fc.integer({ min: 0, max: 80 }),
  });
  const byte = fc.integer({ min: 0, max: 255 });
  test.prop([rectArb, fc.tuple(byte, byte, byte, byte), fc.constantFrom(0xe, 0xc)])(
    "the row-at-a-time fill equals the general per-pixel one",
    (r, [red, green, blue, alpha], mask) => {
      const budget = new PixelBudget();
      const fast = new Layer(budget, 64, 64);
      const general = new Layer(budget, 64, 64);
      for (const layer of [fast, general]) fillRect(layer, 5, 5, 30, 30, [9, 99, 199, 255]);
      // A clip over the whole canvas sends the same fill down the general path.
      general.rect(0, 0, 64, 64);
      general.clip();
      for (const layer of [fast, general]) {
        layer.setChannelMask(mask);
        fillRect(layer, r.x, r.y, r.w, r.h, [red, green, blue, alpha]);
      }
      const a = fast.surface.pixels as Uint8ClampedArray;
      const b = general.surface.pixels as Uint8ClampedArray;
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    },
  );
});
