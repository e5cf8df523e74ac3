// The Deno broker's recordings folder: where each session's recorder writes (with its caps and
// sidecar), and the only reader the recordings endpoint gets. Every path is built from an id that
// RECORDING_ID accepted, checked to stay in the folder, and opened without following a link.
// Deno.open has no O_NOFOLLOW, so reads go through node:fs/promises, which Deno passes the flag.
import { constants } from "node:fs";
import { type FileHandle, open, statfs } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { RECORDING_METADATA_SUFFIX } from "@guacstream/recording";
import { SessionRecorderStream, type TunnelInfo } from "@guacstream/tunnel";
import type { RecordingConfig } from "../demo-page/config.ts";
import { recordingFileName, shouldRecord } from "../demo-page/policy.ts";
import { RECORDING_ID, type RecordingFolder } from "../demo-page/recordings.ts";

/** What the recorder of each session is given: {@link RecordingConfig} without the serving. */
export type RecorderSettings = Pick<
  RecordingConfig,
  "includeKeys" | "maxBytes" | "minFreeBytes" | "metadata"
>;

/** Most directory entries one listing looks at, so a folder of millions costs a bounded scan. */
const MAX_SCANNED = 20_000;

/** Bytes read from a recording at a time when it is served. */
const READ_CHUNK = 64 * 1024;

/**
 * A recorder for one tunnel, or `undefined` (a joiner, unless `recordJoins`). The `.guac` is
 * created exclusively (never truncated) inside `dir` whatever guacd named its connection, and
 * written with `FsFile.write`, so a live session's recording can be read as it goes. A missing
 * folder, a full disk, the byte cap or the free-space floor ends that session
 * (RECORDING_FAILED), never the process. The sidecar is written when the recording closes.
 */
export function recordingSink(
  dir: string,
  info: TunnelInfo,
  recordJoins: boolean,
  settings: RecorderSettings,
): SessionRecorderStream | undefined {
  if (!shouldRecord(info, recordJoins)) return undefined;
  const path = join(dir, recordingFileName(info));
  if (dirname(resolve(path)) !== dir) throw new Error(`Cannot record outside ${dir}: ${path}`);
  let file: Deno.FsFile | undefined;
  const sink = new WritableStream<Uint8Array>({
    async start() {
      file = await Deno.open(path, { write: true, createNew: true });
    },
    async write(chunk) {
      for (let offset = 0; offset < chunk.length; ) {
        offset += await file!.write(chunk.subarray(offset));
      }
    },
    close: () => file?.close(),
    abort: () => file?.close(),
  });
  return new SessionRecorderStream(sink, {
    includeKeys: settings.includeKeys,
    maxBytes: settings.maxBytes,
    minFreeBytes: settings.minFreeBytes,
    freeBytes: async () => {
      const fs = await statfs(dir);
      return fs.bavail * fs.bsize;
    },
    connection: info.connectionId,
    protocol: info.settings.protocol ?? "",
    ...(settings.metadata
      ? {
          writeMetadata: (metadata) =>
            Deno.writeTextFile(
              `${path}${RECORDING_METADATA_SUFFIX}`,
              `${JSON.stringify(metadata)}\n`,
              { createNew: true },
            ),
        }
      : {}),
  });
}

/** The folder as the recordings endpoint reads it: finished recordings (with a sidecar) only. */
export function recordingFolder(dir: string): RecordingFolder {
  const inside = (name: string): string => {
    const path = join(dir, name);
    if (dirname(resolve(path)) !== dir) throw new Error(`Cannot read outside ${dir}: ${name}`);
    return path;
  };
  const suffix = `.guac${RECORDING_METADATA_SUFFIX}`;
  return {
    async ids(limit) {
      const found: { id: string; time: number }[] = [];
      let scanned = 0;
      for await (const entry of Deno.readDir(dir)) {
        if (++scanned > MAX_SCANNED) break;
        // readDir reports a link as a link (isFile false): links are never listed.
        if (!entry.isFile || !entry.name.endsWith(suffix)) continue;
        const id = entry.name.slice(0, -suffix.length);
        if (!RECORDING_ID.test(id)) continue;
        const file = await openPlain(inside(`${id}${suffix}`));
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
      const file = await openPlain(inside(`${id}${suffix}`));
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
      const sidecar = await openPlain(inside(`${id}${suffix}`));
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
