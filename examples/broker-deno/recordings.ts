// The Deno broker's recorder: the demo page's session recorder writing through Deno.FsFile. The
// endpoint reads the folder through the demo page's recordingFolder.
import type { SessionRecorderStream, TunnelInfo } from "@guacstream/tunnel";
import { type RecorderSettings, sessionRecorder } from "../demo-page/recorder.ts";

/**
 * A recorder for one tunnel, or `undefined` (a joiner, unless `recordJoins`). The `.guac` is
 * created exclusively (never truncated) inside `dir` and written with `FsFile.write`, so a live
 * session's recording can be read as it goes.
 */
export function recordingSink(
  dir: string,
  info: TunnelInfo,
  recordJoins: boolean,
  settings: RecorderSettings,
): SessionRecorderStream | undefined {
  return sessionRecorder(dir, info, recordJoins, settings, (path) => {
    let file: Deno.FsFile | undefined;
    return new WritableStream<Uint8Array>({
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
  });
}
