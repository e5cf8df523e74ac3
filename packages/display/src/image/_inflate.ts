import { ImageError } from "./image-error.ts";

/**
 * Inflates zlib data (what PNG's IDAT chunks hold) with the platform's `DecompressionStream`, into
 * exactly `size` bytes: output past `size` is never produced (the stream is cancelled), so a
 * decompression bomb costs no more memory than the image its header announced.
 */
export async function inflateExactly(
  parts: readonly Uint8Array[],
  size: number,
  mimetype: string,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  // Writes reject once the reader cancels or the data is corrupt; the reader reports the cause.
  const feeding = (async () => {
    for (const part of parts) await writer.write(part as Uint8Array<ArrayBuffer>);
    await writer.close();
  })();
  feeding.catch(() => {});
  const out = new Uint8Array(size);
  let filled = 0;
  try {
    while (filled < size) {
      if (signal?.aborted) {
        throw new ImageError("aborted", mimetype, "Cannot decode image: aborted", {
          cause: signal.reason,
        });
      }
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, size - filled);
      out.set(take === value.length ? value : value.subarray(0, take), filled);
      filled += take;
    }
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw new ImageError("malformed", mimetype, "Cannot decode image: corrupt compressed data", {
      cause: error,
    });
  } finally {
    reader.cancel().catch(() => {});
  }
  if (filled < size) {
    throw new ImageError(
      "malformed",
      mimetype,
      `Cannot decode image: compressed data ends after ${filled} of ${size} bytes`,
    );
  }
  return out;
}
