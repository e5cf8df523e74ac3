import { readFile } from "node:fs/promises";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { corpusFile, imagesOf, RECORDINGS } from "./_test-utils.ts";
import { createImageDecoder } from "./image-decoder.ts";
import { ImageError } from "./image-error.ts";
import { decodeJpeg, decodeWebp } from "./wasm-decoders.ts";

/** A real JPEG of `width`×`height` made by libjpeg (the same package's encoder). */
async function makeJpeg(width: number, height: number, quality = 90): Promise<Uint8Array> {
  const { default: encode, init } = await import("@jsquash/jpeg/encode.js");
  const wasm = new URL(import.meta.resolve("@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm"));
  await init(await WebAssembly.compile(await readFile(wasm)));
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    // A gradient: smooth enough that JPEG keeps it close.
    data.set([(i % width) * 4, Math.floor(i / width) * 4, 128, 255], i * 4);
  }
  return new Uint8Array(await encode({ width, height, data, colorSpace: "srgb" }, { quality }));
}

const webps = () =>
  RECORDINGS.flatMap((name) => imagesOf(corpusFile(name))).filter(
    (i) => i.mimetype === "image/webp",
  );

describe("WASM decoders", () => {
  it("decode a JPEG close to its source pixels", async () => {
    const image = await decodeJpeg(await makeJpeg(64, 48));
    expect([image.width, image.height]).toEqual([64, 48]);
    let error = 0;
    for (let i = 0; i < 64 * 48; i++) {
      error += Math.abs((image.data[i * 4] as number) - (i % 64) * 4);
    }
    expect(error / (64 * 48)).toBeLessThan(3);
  });

  it("decode every WebP guacd sent in the corpus", async () => {
    const images = webps();
    expect(images.length).toBeGreaterThan(600);
    for (const { bytes } of images) {
      const image = await decodeWebp(bytes);
      expect(image.data.length).toBe(image.width * image.height * 4);
    }
  }, 60_000);

  it("reject headers past the pixel budget before decoding", async () => {
    const jpeg = await makeJpeg(64, 48);
    await expect(decodeJpeg(jpeg, { maxPixels: 64 * 47 })).rejects.toMatchObject({
      code: "too-large",
    });
    const [webp] = webps();
    await expect(
      decodeWebp(webp?.bytes ?? new Uint8Array(), { maxPixels: 1 }),
    ).rejects.toMatchObject({
      code: "too-large",
    });
  });

  const jpegSource = makeJpeg(16, 16, 50);
  const webpSource = webps()[0]?.bytes ?? new Uint8Array();
  const mutationsArb = fc.array(
    fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    { minLength: 1, maxLength: 6 },
  );

  test.prop([mutationsArb, fc.nat()], { numRuns: 60 })(
    "a mutated or cut JPEG or WebP decodes or rejects with an ImageError",
    async (mutations, cut) => {
      for (const [decode, source] of [
        [decodeJpeg, await jpegSource],
        [decodeWebp, webpSource],
      ] as const) {
        const bytes = source.slice(0, 1 + (cut % source.length));
        for (const { at, value } of mutations) bytes[at % bytes.length] = value;
        try {
          const image = await decode(bytes);
          expect(image.data.length).toBe(image.width * image.height * 4);
        } catch (error) {
          expect(error).toBeInstanceOf(ImageError);
        }
      }
    },
  );

  it("the default decoder advertises only what it decodes and rejects the rest", async () => {
    const decoder = createImageDecoder();
    for (const mimetype of decoder.mimetypes) {
      await expect(decoder.decode(mimetype, new Uint8Array([0]))).rejects.toMatchObject({
        code: "malformed",
        mimetype,
      });
    }
    await expect(decoder.decode("image/gif", new Uint8Array())).rejects.toMatchObject({
      code: "unsupported",
    });
  });
});
