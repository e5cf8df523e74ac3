import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { cutAt } from "../../_test-utils.ts";
import { blobsOf } from "./blob-source.ts";

function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}

async function* iterableOf(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/** Copies each blob as it comes: a blob's buffer is only valid until the next one. */
async function blobs(source: Parameters<typeof blobsOf>[0], size: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const blob of blobsOf(source, size)) out.push(blob.slice());
  return out;
}

const joined = (chunks: Uint8Array[]): number[] => chunks.flatMap((c) => [...c]);

describe("blobsOf", () => {
  test.prop([
    fc.uint8Array({ maxLength: 200 }),
    fc.array(fc.nat(), { maxLength: 20 }),
    fc.integer({ min: 1, max: 17 }),
    fc.constantFrom("bytes", "stream", "iterable"),
  ])(
    "gives back the same bytes in full blobs, only the last shorter, for every chunking and source",
    async (bytes, cuts, size, kind) => {
      const chunks = cutAt(bytes, cuts);
      const source =
        kind === "bytes" ? bytes : kind === "stream" ? streamOf(chunks) : iterableOf(chunks);
      const out = await blobs(source, size);
      expect(joined(out)).toEqual([...bytes]);
      expect(out.length).toBe(Math.ceil(bytes.length / size));
      for (const blob of out.slice(0, -1)) expect(blob.length).toBe(size);
      for (const blob of out) expect(blob.length).toBeGreaterThan(0);
    },
  );

  it("pulls no more than one blob ahead of its reader", async () => {
    let pulled = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled++;
          controller.enqueue(new Uint8Array(10));
          if (pulled === 100) controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const iterator = blobsOf(source, 25);
    await iterator.next(); // 25 bytes need three chunks of 10
    expect(pulled).toBe(3);
    await iterator.return(undefined); // cancels the source
    expect(pulled).toBe(3);
  });

  it("cancels a stream source when the reader stops early", async () => {
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new Uint8Array(8)),
      cancel: () => {
        cancelled = true;
      },
    });
    for await (const _ of blobsOf(source, 4)) break;
    expect(cancelled).toBe(true);
  });

  it("refuses a chunk that is not bytes and a blob size that is not positive", async () => {
    await expect(blobs(iterableOf(["x" as unknown as Uint8Array]), 4)).rejects.toThrow(TypeError);
    await expect(blobs(new Uint8Array(1), 0)).rejects.toThrow(RangeError);
  });
});
