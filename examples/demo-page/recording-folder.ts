// The recordings folder as the recordings endpoint reads it, for both brokers. Every path is built
// from an id that RECORDING_ID accepted, checked to stay in the folder, and opened without
// following a link. node:fs/promises because Deno.open has no O_NOFOLLOW, and Deno passes the flag
// through its node:fs.
import { constants } from "node:fs";
import { type FileHandle, open, opendir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { RECORDING_METADATA_SUFFIX } from "@guacstream/recording";
import { RECORDING_ID, type RecordingFolder } from "./recordings.ts";

/** Most directory entries one listing looks at, so a folder of millions costs a bounded scan. */
const MAX_SCANNED = 20_000;

/** Bytes read from a recording at a time when it is served. */
const READ_CHUNK = 64 * 1024;

const SIDECAR = `.guac${RECORDING_METADATA_SUFFIX}`;

/** The folder as the recordings endpoint reads it: finished recordings (with a sidecar) only. */
export function recordingFolder(dir: string): RecordingFolder {
  const inside = (name: string): string => {
    const path = join(dir, name);
    if (dirname(resolve(path)) !== dir) throw new Error(`Cannot read outside ${dir}: ${name}`);
    return path;
  };
  return {
    async ids(limit) {
      const found: { id: string; time: number }[] = [];
      let scanned = 0;
      for await (const entry of await opendir(dir)) {
        if (++scanned > MAX_SCANNED) break;
        // A link is reported as a link (isFile false): links are never listed.
        if (!entry.isFile() || !entry.name.endsWith(SIDECAR)) continue;
        const id = entry.name.slice(0, -SIDECAR.length);
        if (!RECORDING_ID.test(id)) continue;
        const file = await openPlain(inside(`${id}${SIDECAR}`));
        if (file === undefined) continue;
        try {
          found.push({ id, time: (await file.stat()).mtimeMs });
        } finally {
          await file.close();
        }
      }
      return found
        .sort((a, b) => b.time - a.time)
        .slice(0, limit)
        .map((f) => f.id);
    },
    async sidecar(id, maxBytes) {
      const file = await openPlain(inside(`${id}${SIDECAR}`));
      if (file === undefined) return undefined;
      try {
        const { size } = await file.stat();
        if (size > maxBytes) return undefined;
        const buffer = new Uint8Array(size);
        const { bytesRead } = await file.read(buffer, 0, size, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    },
    async open(id) {
      // A recording still being written has no sidecar yet, and is not served.
      const sidecar = await openPlain(inside(`${id}${SIDECAR}`));
      if (sidecar === undefined) return undefined;
      await sidecar.close();
      const file = await openPlain(inside(`${id}.guac`));
      if (file === undefined) return undefined;
      const { size } = await file.stat();
      return { size, body: readUpTo(file, size) };
    },
  };
}

/**
 * The first `size` bytes of an open file as a stream, read as the consumer pulls (a slow client
 * holds one chunk); the file is closed at the end or when the consumer cancels.
 */
function readUpTo(file: FileHandle, size: number): ReadableStream<Uint8Array> {
  let position = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const want = Math.min(READ_CHUNK, size - position);
        const { bytesRead, buffer } =
          want === 0
            ? { bytesRead: 0, buffer: new Uint8Array(0) }
            : await file.read(new Uint8Array(want), 0, want, position);
        if (bytesRead > 0) {
          position += bytesRead;
          controller.enqueue(buffer.subarray(0, bytesRead));
        }
        // The bytes there when it was opened: a file that shrank ends early, one that grew is cut.
        if (bytesRead === 0 || position >= size) {
          await file.close();
          controller.close();
        }
      },
      cancel: () => file.close(),
    },
    { highWaterMark: 0 },
  );
}

/** Opens a plain file for reading, never through a symbolic link; `undefined` for anything else. */
async function openPlain(path: string): Promise<FileHandle | undefined> {
  let file: FileHandle;
  try {
    // O_NONBLOCK: a FIFO in the folder cannot hold the request waiting for a writer.
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if ((await file.stat()).isFile()) return file;
  } catch {
    // Its kind cannot be read: not served.
  }
  await file.close();
  return undefined;
}
