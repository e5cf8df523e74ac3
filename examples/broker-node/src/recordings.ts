// The Node broker's recordings folder: where each session's recorder writes (with its caps and
// sidecar), and the only reader the recordings endpoint gets. Every path is built from an id that
// RECORDING_ID accepted, checked to stay in the folder, and opened without following a link.
import { constants, createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, open, opendir, statfs, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import type { RecordingConfig } from "@guacstream/example-demo-page/config";
import { recordingFileName, shouldRecord } from "@guacstream/example-demo-page/policy";
import { RECORDING_ID, type RecordingFolder } from "@guacstream/example-demo-page/recordings";
import { RECORDING_METADATA_SUFFIX } from "@guacstream/recording";
import { SessionRecorderStream, type TunnelInfo } from "@guacstream/tunnel";

/** What the recorder of each session is given: {@link RecordingConfig} without the serving. */
export type RecorderSettings = Pick<
  RecordingConfig,
  "includeKeys" | "maxBytes" | "minFreeBytes" | "metadata"
>;

/** Most directory entries one listing looks at, so a folder of millions costs a bounded scan. */
const MAX_SCANNED = 20_000;

/**
 * A recorder for one tunnel, or `undefined` (a joiner, unless `recordJoins`). The `.guac` is
 * created exclusively (`wx`: an existing file is an error, never truncated) inside `dir` whatever
 * guacd named its connection; an I/O error, the byte cap or the free-space floor ends that
 * session (RECORDING_FAILED), not the process. The sidecar is written when the recording closes.
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
  const file = Writable.toWeb(createWriteStream(path, { flags: "wx" }));
  return new SessionRecorderStream(file as WritableStream<Uint8Array>, {
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
            writeFile(`${path}${RECORDING_METADATA_SUFFIX}`, `${JSON.stringify(metadata)}\n`, {
              flag: "wx",
            }),
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
  const sidecarName = (id: string) => `${id}.guac${RECORDING_METADATA_SUFFIX}`;
  return {
    async ids(limit) {
      const found: { id: string; time: number }[] = [];
      let scanned = 0;
      const folder = await opendir(dir);
      for await (const entry of folder) {
        if (++scanned > MAX_SCANNED) break;
        if (!entry.isFile() || !entry.name.endsWith(`.guac${RECORDING_METADATA_SUFFIX}`)) continue;
        const id = entry.name.slice(0, -`.guac${RECORDING_METADATA_SUFFIX}`.length);
        if (!RECORDING_ID.test(id)) continue;
        const file = await openPlain(inside(sidecarName(id)));
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
      const file = await openPlain(inside(sidecarName(id)));
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
      const sidecar = await openPlain(inside(sidecarName(id)));
      if (sidecar === undefined) return undefined;
      await sidecar.close();
      const file = await openPlain(inside(`${id}.guac`));
      if (file === undefined) return undefined;
      const { size } = await file.stat();
      if (size === 0) {
        await file.close();
        return { size, body: new ReadableStream<Uint8Array>({ start: (c) => c.close() }) };
      }
      // The bytes there when it was opened, even if the file grew since.
      const stream = createReadStream("", { fd: file, start: 0, end: size - 1 });
      return { size, body: Readable.toWeb(stream) as ReadableStream<Uint8Array> };
    },
  };
}

/** Opens a plain file for reading, never through a symbolic link; `undefined` for anything else. */
async function openPlain(path: string): Promise<FileHandle | undefined> {
  let file: FileHandle;
  try {
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
