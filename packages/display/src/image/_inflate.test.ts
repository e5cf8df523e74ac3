// Both ways of inflating, the runtime's zlib and the browsers' DecompressionStream, give the same
// bytes and the same typed errors.

import * as zlib from "node:zlib";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { inflateExactly, type ZlibModule } from "./_inflate.ts";
import { ImageError } from "./image-error.ts";

const WAYS: [string, ZlibModule | undefined][] = [
  ["zlib", zlib as unknown as ZlibModule],
  ["DecompressionStream", undefined],
];
const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 251);
const packed = new Uint8Array(deflateSync(data));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageError);
  return (error as ImageError).code;
}

describe.each(WAYS)("inflateExactly through %s", (_, way) => {
  it("gives the bytes, from data split into chunks", async () => {
    const parts = [packed.subarray(0, 10), packed.subarray(10, 11), packed.subarray(11)];
    const out = await inflateExactly(parts, data.length, "image/png", undefined, way);
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  });

  it("keeps the announced size of longer data, as browsers do", async () => {
    expect(await inflateExactly([packed], 100, "image/png", undefined, way)).toEqual(
      data.subarray(0, 100),
    );
  });

  it("reports data that ends early or is corrupt as malformed", async () => {
    expect(
      await codeOf(
        inflateExactly(
          [packed.subarray(0, packed.length / 2)],
          data.length,
          "image/png",
          undefined,
          way,
        ),
      ),
    ).toBe("malformed");
    expect(
      await codeOf(inflateExactly([packed], data.length + 1, "image/png", undefined, way)),
    ).toBe("malformed");
    expect(
      await codeOf(
        inflateExactly(
          [new Uint8Array([0x78, 0x9c, 0xff, 0xff, 0xff])],
          10,
          "image/png",
          undefined,
          way,
        ),
      ),
    ).toBe("malformed");
  });

  it("honours an aborted signal", async () => {
    expect(
      await codeOf(inflateExactly([packed], data.length, "image/png", AbortSignal.abort(), way)),
    ).toBe("aborted");
  });
});
