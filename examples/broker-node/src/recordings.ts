// The Node broker's recorder: the demo page's session recorder writing through node:fs. The
// endpoint reads the folder through the demo page's recordingFolder.
import { createWriteStream } from "node:fs";
import { Writable } from "node:stream";
import { type RecorderSettings, sessionRecorder } from "@guacstream/example-demo-page/recorder";
import type { SessionRecorderStream, TunnelInfo } from "@guacstream/tunnel";

export type { RecorderSettings };

/**
 * A recorder for one tunnel, or `undefined` (a joiner, unless `recordJoins`). The `.guac` is
 * created exclusively (`wx`: an existing file is an error, never truncated) inside `dir`.
 */
export function recordingSink(
  dir: string,
  info: TunnelInfo,
  recordJoins: boolean,
  settings: RecorderSettings,
): SessionRecorderStream | undefined {
  return sessionRecorder(
    dir,
    info,
    recordJoins,
    settings,
    (path) =>
      Writable.toWeb(createWriteStream(path, { flags: "wx" })) as WritableStream<Uint8Array>,
  );
}
