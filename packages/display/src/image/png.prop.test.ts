// PNG encode then decode gives back the pixels, for any size and content; a mutated PNG is
// either decoded or rejected with an ImageError, never anything else.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { ImageError } from "./image-error.ts";
import { decodePng } from "./png-decoder.ts";
import { encodePng } from "./png-encoder.ts";
import type { RgbaImage } from "./rgba-image.ts";

const imageArb: fc.Arbitrary<RgbaImage> = fc
  .record({ width: fc.integer({ min: 1, max: 24 }), height: fc.integer({ min: 1, max: 24 }) })
  .chain(({ width, height }) =>
    fc
      .oneof(
        fc.uint8Array({ minLength: width * height * 4, maxLength: width * height * 4 }),
        // Flat areas with a few colours, as screens are: exercises the Sub/Up filters' zero runs.
        fc
          .array(fc.constantFrom(0, 17, 255), {
            minLength: width * height,
            maxLength: width * height,
          })
          .map((px) => Uint8Array.from(px.flatMap((v) => [v, v, 255 - v, 255]))),
      )
      .map((bytes) => ({ width, height, data: new Uint8ClampedArray(bytes) })),
  );

const mutationArb = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
  minLength: 1,
  maxLength: 8,
});

describe("PNG", () => {
  test.prop([imageArb])("decoding what encodePng made gives the same pixels", async (image) => {
    const decoded = await decodePng(await encodePng(image));
    expect(decoded.width).toBe(image.width);
    expect(decoded.height).toBe(image.height);
    expect(decoded.data).toEqual(image.data);
  });

  test.prop([imageArb, mutationArb, fc.option(fc.nat(), { nil: undefined })])(
    "a mutated or cut PNG decodes or rejects with an ImageError",
    async (image, mutations, cut) => {
      const png = await encodePng(image);
      for (const { at, value } of mutations) png[at % png.length] = value;
      const bytes = cut === undefined ? png : png.subarray(0, cut % png.length);
      try {
        const decoded = await decodePng(bytes);
        expect(decoded.data.length).toBe(decoded.width * decoded.height * 4);
      } catch (error) {
        expect(error).toBeInstanceOf(ImageError);
      }
    },
  );
});
