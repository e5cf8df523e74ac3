/** What an upload can read from: bytes in memory, a web stream, or any async iterable of chunks. */
export type ByteSource = Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * Reads a {@link ByteSource} as blobs of exactly `blobBytes` bytes (the last one shorter), pulling
 * no more than one blob ahead: memory stays bounded by one blob plus the source's own buffer,
 * whatever the size of the whole. Small chunks are gathered into one blob; large ones are cut.
 * A blob is only valid until the next one is asked for (its buffer is reused); an empty source
 * yields nothing. Stopping early cancels a stream source.
 *
 * @example Upload-sized pieces of a stream
 * ```ts
 * import assert from "node:assert/strict";
 * import { blobsOf } from "@guacstream/codec/client";
 *
 * const source = ReadableStream.from([new Uint8Array(5), new Uint8Array(7)]);
 * const sizes: number[] = [];
 * for await (const blob of blobsOf(source, 4)) sizes.push(blob.length);
 * assert.deepEqual(sizes, [4, 4, 4]);
 * ```
 */
export async function* blobsOf(source: ByteSource, blobBytes: number): AsyncGenerator<Uint8Array> {
  if (!Number.isInteger(blobBytes) || blobBytes <= 0) {
    throw new RangeError(`Cannot cut blobs of ${blobBytes} bytes: give a positive integer`);
  }
  if (source instanceof Uint8Array) {
    for (let at = 0; at < source.length; at += blobBytes) {
      yield source.subarray(at, at + blobBytes);
    }
    return;
  }
  const buffer = new Uint8Array(blobBytes);
  let filled = 0;
  for await (const chunk of chunksOf(source)) {
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError("Cannot upload a chunk that is not a Uint8Array");
    }
    let at = 0;
    // Whole blobs straight out of a large chunk when nothing is pending: no copy.
    if (filled === 0) {
      while (chunk.length - at >= blobBytes) {
        yield chunk.subarray(at, at + blobBytes);
        at += blobBytes;
      }
    }
    while (at < chunk.length) {
      const take = Math.min(blobBytes - filled, chunk.length - at);
      buffer.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === blobBytes) {
        yield buffer;
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

/** A stream read with a reader (Node 20's web streams may lack async iteration in its types). */
async function* chunksOf(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (!(source instanceof ReadableStream)) {
    yield* source;
    return;
  }
  const reader = source.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
