import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import {
  CHANNEL_MASK_OPERATIONS,
  type CompositeOperation,
  compositePixel,
  operationCode,
} from "./_composite.ts";
import { Layer } from "./layer.ts";
import { PixelBudget } from "./pixel-budget.ts";

function over(op: CompositeOperation, src: number[], dst: number[], cover = 1): number[] {
  const data = new Uint8ClampedArray(dst);
  compositePixel(
    operationCode(op),
    data,
    0,
    src[0] ?? 0,
    src[1] ?? 0,
    src[2] ?? 0,
    src[3] ?? 0,
    cover,
  );
  return [...data];
}

const byte = fc.integer({ min: 0, max: 255 });
const opaque = fc.tuple(byte, byte, byte).map(([r, g, b]) => [r, g, b, 255]);

describe("composite operations on opaque pixels", () => {
  test.prop([opaque, opaque])(
    "source-over, copy, source-in, source-atop show the source",
    (s, d) => {
      for (const op of ["source-over", "copy", "source-in", "source-atop"] as const) {
        expect(over(op, s, d)).toEqual(s);
      }
    },
  );
  test.prop([opaque, opaque])(
    "destination-over, destination-in, destination-atop keep the destination",
    (s, d) => {
      for (const op of ["destination-over", "destination-in", "destination-atop"] as const) {
        expect(over(op, s, d)).toEqual(d);
      }
    },
  );
  test.prop([opaque, opaque])("source-out, destination-out and xor clear", (s, d) => {
    for (const op of ["source-out", "destination-out", "xor"] as const) {
      expect(over(op, s, d)[3]).toBe(0);
    }
  });
  test.prop([opaque, opaque])("lighter adds and saturates", (s, d) => {
    expect(over("lighter", s, d)).toEqual([
      Math.min(255, (s[0] ?? 0) + (d[0] ?? 0)),
      Math.min(255, (s[1] ?? 0) + (d[1] ?? 0)),
      Math.min(255, (s[2] ?? 0) + (d[2] ?? 0)),
      255,
    ]);
  });
});

describe("composite operations with transparency", () => {
  it("source-over of half-transparent red on opaque blue mixes by alpha (within 1)", () => {
    const [r, g, b, a] = over("source-over", [255, 0, 0, 128], [0, 0, 255, 255]);
    expect(a).toBe(255);
    expect(Math.abs((r ?? 0) - 128)).toBeLessThanOrEqual(1);
    expect(g).toBe(0);
    expect(Math.abs((b ?? 0) - 127)).toBeLessThanOrEqual(1);
  });
  it("onto a transparent pixel, source-over keeps the source's straight colour", () => {
    expect(over("source-over", [10, 20, 30, 77], [0, 0, 0, 0])).toEqual([10, 20, 30, 77]);
  });
  it("source-in takes the destination's alpha, destination-out the source's complement", () => {
    expect(over("source-in", [200, 100, 50, 255], [0, 0, 0, 102])).toEqual([200, 100, 50, 102]);
    expect(over("destination-out", [0, 0, 0, 51], [9, 8, 7, 255])).toEqual([9, 8, 7, 204]);
  });
  test.prop([opaque, opaque, fc.double({ min: 0, max: 1, noNaN: true })])(
    "partial coverage blends source-over linearly between destination and source",
    (s, d, cover) => {
      const out = over("source-over", s, d, cover);
      for (let c = 0; c < 3; c++) {
        const expected = (d[c] ?? 0) + ((s[c] ?? 0) - (d[c] ?? 0)) * cover;
        expect(Math.abs((out[c] ?? 0) - expected)).toBeLessThanOrEqual(0.5 + 1e-9);
      }
    },
  );
});

describe("channel masks", () => {
  it("map to guacamole-common-js's composite operations", () => {
    expect(CHANNEL_MASK_OPERATIONS[0xe]).toBe("source-over");
    expect(CHANNEL_MASK_OPERATIONS[0xc]).toBe("copy");
    expect(CHANNEL_MASK_OPERATIONS[0xf]).toBe("lighter");
    expect(CHANNEL_MASK_OPERATIONS[0x9]).toBe("destination-atop");
    expect(Object.keys(CHANNEL_MASK_OPERATIONS)).toHaveLength(11);
  });
  it.each([0x0, 0x3, 0x5, 0x7, 0xd])(
    "mask %i has no operation, so the previous one stays",
    (mask) => {
      const layer = new Layer(new PixelBudget(), 64, 64);
      layer.rect(0, 0, 1, 1);
      layer.fillColor(0, 0, 255, 255);
      layer.setChannelMask(0x2); // destination-out
      layer.setChannelMask(mask);
      layer.rect(0, 0, 1, 1);
      layer.fillColor(0, 0, 0, 255);
      expect([...(layer.surface.pixels?.subarray(0, 4) ?? [])]).toEqual([0, 0, 0, 0]);
    },
  );
});
