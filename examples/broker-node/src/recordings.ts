// The Node broker's recorder: where each session's recording is written, with its caps and
// sidecar. The endpoint reads the folder through the demo page's recordingFolder.
import { createWriteStream } from "node:fs";
import { statfs, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Writable } from "node:stream";
import type { RecordingConfig } from "@guacstream/example-demo-page/config";
import { recordingFileName, shouldRecord } from "@guacstream/example-demo-page/policy";
import { RECORDING_METADATA_SUFFIX } from "@guacstream/recording";
import { SessionRecorderStream, type TunnelInfo } from "@guacstream/tunnel";

/** What the recorder of each session is given: {@link RecordingConfig} without the serving. */
export type RecorderSettings = Pick<
  RecordingConfig,
  "includeKeys" | "maxBytes" | "minFreeBytes" | "metadata"
>;

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
