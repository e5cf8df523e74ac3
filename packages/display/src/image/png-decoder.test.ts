import { describe, expect, it } from "vitest";
import { crc32 } from "./_crc32.ts";
import { corpusFile, imagesOf, RECORDINGS } from "./_test-utils.ts";
import { ImageError } from "./image-error.ts";
import { decodePng } from "./png-decoder.ts";
import { encodePng } from "./png-encoder.ts";

/** Builds a PNG from raw (already filtered) scanlines, for colour types encodePng does not write. */
async function rawPng(
  width: number,
  height: number,
  depth: number,
  colorType: number,
  scanlines: number[],
  extra: { type: string; body: number[] }[] = [],
  interlace = 0,
): Promise<Uint8Array> {
  const z = new Uint8Array(
    await new Response(
      new Blob([new Uint8Array(scanlines)]).stream().pipeThrough(new CompressionStream("deflate")),
    ).arrayBuffer(),
  );
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([depth, colorType, 0, 0, interlace], 8);
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    ...extra.map((e) => chunk(e.type, new Uint8Array(e.body))),
    chunk("IDAT", z),
    chunk("IEND", new Uint8Array()),
  ];
  return new Uint8Array(Buffer.concat(parts));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageError);
  return (error as ImageError).code;
}

describe("decodePng", () => {
  it("decodes 8-bit RGB, with a tRNS colour key", async () => {
    const png = await rawPng(
      2,
      1,
      8,
      2,
      [0, 10, 20, 30, 1, 2, 3],
      [{ type: "tRNS", body: [0, 1, 0, 2, 0, 3] }],
    );
    const image = await decodePng(png);
    expect([...image.data]).toEqual([10, 20, 30, 255, 1, 2, 3, 0]);
  });

  it("decodes 1-bit grey, scaling samples to 0..255", async () => {
    // 0b1010_0000: pixels 1,0,1 then padding.
    const image = await decodePng(await rawPng(3, 1, 1, 0, [0, 0b1010_0000]));
    expect([...image.data]).toEqual([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255]);
  });

  it("decodes a 2-bit palette with tRNS alpha", async () => {
    const png = await rawPng(
      2,
      1,
      2,
      3,
      [0, 0b0001_0000],
      [
        { type: "PLTE", body: [1, 1, 1, 2, 2, 2, 3, 3, 3] },
        { type: "tRNS", body: [255, 7] },
      ],
    );
    expect([...(await decodePng(png)).data]).toEqual([1, 1, 1, 255, 2, 2, 2, 7]);
  });

  it("decodes 16-bit grey+alpha by high byte, and undoes the Paeth and Average filters", async () => {
    const png = await rawPng(1, 2, 16, 4, [3, 0x80, 0, 0xff, 0xff, 4, 0x01, 0, 0, 0]);
    // Row 0, Average with nothing left or up: as stored. Row 1, Paeth: up is the best predictor.
    expect([...(await decodePng(png)).data]).toEqual([
      0x80, 0x80, 0x80, 0xff, 0x81, 0x81, 0x81, 0xff,
    ]);
  });

  it("decodes Adam7-interlaced images like the same image not interlaced", async () => {
    // 3x3 8-bit grey, value = 10*y + x. Adam7 passes for 3x3: p1 (0,0); p4 (2,0); p5 (0,2),(2,2);
    // p6 (1,0),(1,2); p7 row 1 (0..2,1).
    const v = (x: number, y: number) => 10 * y + x;
    const interlaced = [
      0,
      v(0, 0),
      0,
      v(2, 0),
      0,
      v(0, 2),
      v(2, 2),
      0,
      v(1, 0),
      0,
      v(1, 2),
      0,
      v(0, 1),
      v(1, 1),
      v(2, 1),
    ];
    const image = await decodePng(await rawPng(3, 3, 8, 0, interlaced, [], 1));
    const greys = [...image.data].filter((_, i) => i % 4 === 0);
    expect(greys).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22]);
  });

  it("rejects a header past the pixel budget before inflating anything", async () => {
    const png = await rawPng(100_000, 100_000, 8, 6, [0]);
    expect(await codeOf(decodePng(png))).toBe("too-large");
    const small = await encodePng({ width: 4, height: 4, data: new Uint8ClampedArray(64) });
    expect(await codeOf(decodePng(small, { maxPixels: 15 }))).toBe("too-large");
  });

  it("stops inflating at the size the header announced (a decompression bomb is cut)", async () => {
    const bomb = await rawPng(1, 1, 8, 0, [0, 0, ...new Array(1 << 20).fill(0)]);
    expect([...(await decodePng(bomb)).data]).toEqual([0, 0, 0, 255]);
  });

  it("rejects truncated data, bad filters, bad depths and missing chunks as malformed", async () => {
    expect(await codeOf(decodePng(await rawPng(2, 2, 8, 0, [0, 1, 2])))).toBe("malformed");
    expect(await codeOf(decodePng(await rawPng(1, 1, 8, 0, [9, 0])))).toBe("malformed");
    expect(await codeOf(decodePng(await rawPng(1, 1, 3, 2, [0, 0])))).toBe("malformed");
    expect(await codeOf(decodePng(await rawPng(1, 1, 8, 3, [0, 0])))).toBe("malformed");
    expect(await codeOf(decodePng(new Uint8Array([137, 80, 78, 71])))).toBe("malformed");
  });

  it("honours an abort signal", async () => {
    const png = await encodePng({ width: 8, height: 8, data: new Uint8ClampedArray(256) });
    expect(await codeOf(decodePng(png, { signal: AbortSignal.abort() }))).toBe("aborted");
  });

  it("decodes every PNG guacd sent in the corpus", async () => {
    let count = 0;
    for (const name of RECORDINGS) {
      for (const { mimetype, bytes } of imagesOf(corpusFile(name))) {
        if (mimetype !== "image/png") continue;
        const image = await decodePng(bytes);
        const view = new DataView(bytes.buffer, bytes.byteOffset);
        expect([image.width, image.height]).toEqual([view.getUint32(16), view.getUint32(20)]);
        count++;
      }
    }
    expect(count).toBeGreaterThan(1000);
  }, 60_000);
});
