// The recorder each broker gives a session: a `.guac` inside the recordings folder whatever guacd
// named its connection, with the byte cap, the free-space floor and the sidecar. Only how the
// file is opened is the runtime's own; the sidecar goes through node:fs/promises, which both
// runtimes have.
import { statfs, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { RECORDING_METADATA_SUFFIX } from "@guacstream/recording";
import { SessionRecorderStream, type TunnelInfo } from "@guacstream/tunnel";
import type { RecordingConfig } from "./config.ts";
import { recordingFileName, shouldRecord } from "./policy.ts";

/** What the recorder of each session is given: {@link RecordingConfig} without the serving. */
export type RecorderSettings = Pick<
  RecordingConfig,
  "includeKeys" | "maxBytes" | "minFreeBytes" | "metadata"
>;

/**
 * A recorder for one tunnel, or `undefined` (a joiner, unless `recordJoins`). `create` must open
 * the path exclusively (an existing file is an error, never truncated); an I/O error, the byte
 * cap or the free-space floor ends that session (RECORDING_FAILED), not the process. The sidecar
 * is written, also exclusively, when the recording closes.
 */
export function sessionRecorder(
  dir: string,
  info: TunnelInfo,
  recordJoins: boolean,
  settings: RecorderSettings,
  create: (path: string) => WritableStream<Uint8Array>,
): SessionRecorderStream | undefined {
  if (!shouldRecord(info, recordJoins)) return undefined;
  const path = join(dir, recordingFileName(info));
  if (dirname(resolve(path)) !== dir) throw new Error(`Cannot record outside ${dir}: ${path}`);
  return new SessionRecorderStream(create(path), {
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
