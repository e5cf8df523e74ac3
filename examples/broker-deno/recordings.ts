// The Deno broker's recorder: where each session's recording is written, with its caps and
// sidecar. The endpoint reads the folder through the demo page's recordingFolder.
import { statfs } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { RECORDING_METADATA_SUFFIX } from "@guacstream/recording";
import { SessionRecorderStream, type TunnelInfo } from "@guacstream/tunnel";
import type { RecordingConfig } from "../demo-page/config.ts";
import { recordingFileName, shouldRecord } from "../demo-page/policy.ts";

/** What the recorder of each session is given: {@link RecordingConfig} without the serving. */
export type RecorderSettings = Pick<
  RecordingConfig,
  "includeKeys" | "maxBytes" | "minFreeBytes" | "metadata"
>;

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
