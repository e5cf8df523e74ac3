import { ImageError } from "./image-error.ts";

/** The part of `node:zlib` used here. */
export interface ZlibModule {
  inflateSync(
    input: Uint8Array,
    options: { maxOutputLength: number; finishFlush: number },
  ): Uint8Array;
  constants: { Z_SYNC_FLUSH: number };
}

/**
 * Node, Deno and Bun answer `process.getBuiltinModule("zlib")`: a synchronous inflate there saves
 * the web stream's fixed cost per image (guacd sends many small PNGs). Browsers use the stream.
 */
const ZLIB: ZlibModule | undefined = (() => {
  try {
    const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
      .process;
    const module = process?.getBuiltinModule?.("zlib") as Partial<ZlibModule> | undefined;
    return typeof module?.inflateSync === "function" ? (module as ZlibModule) : undefined;
  } catch {
    return undefined;
  }
})();

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function short(mimetype: string, filled: number, size: number): ImageError {
  return new ImageError(
    "malformed",
    mimetype,
    `Cannot decode image: compressed data ends after ${filled} of ${size} bytes`,
  );
}

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
  zlib: ZlibModule | undefined = ZLIB,
): Promise<Uint8Array> {
  if (signal?.aborted) {
    throw new ImageError("aborted", mimetype, "Cannot decode image: aborted", {
      cause: signal.reason,
    });
  }
  if (zlib !== undefined) {
    let out: Uint8Array | undefined;
    try {
      // Sync flush: data cut short yields what it holds (reported below), not an exception.
      out = zlib.inflateSync(concat(parts), {
        maxOutputLength: size,
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      });
    } catch (error) {
      // More data than announced: the stream below keeps the first `size` bytes, as browsers do.
      if ((error as { code?: string }).code !== "ERR_BUFFER_TOO_LARGE") {
        throw new ImageError(
          "malformed",
          mimetype,
          "Cannot decode image: corrupt compressed data",
          {
            cause: error,
          },
        );
      }
    }
    if (out !== undefined) {
      if (out.length < size) throw short(mimetype, out.length, size);
      return out;
    }
  }
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
  if (filled < size) throw short(mimetype, filled, size);
  return out;
}
