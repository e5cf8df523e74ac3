// The recordings endpoint the player reads, shared by the brokers: `GET /recordings` lists what the
// sidecars say, `GET /recordings/<id>` streams one `.guac`. Off unless the operator serves it, and
// a bearer token always: a recording holds everything the session showed (and keys, if recorded).
// Web-standard Request → Response; each broker passes a folder reader for its runtime.
import { parseRecordingMetadata, type RecordingMetadata } from "@guacstream/recording";
import { hasBearer } from "./config.ts";

/** A recording's id: its file name without `.guac` (what `recordingFileName` makes). */
export const RECORDING_ID: RegExp = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/** Most recordings one list holds (the newest); the rest are not shown. */
export const MAX_LISTED_RECORDINGS = 500;

/** Largest sidecar read; a bigger one is not a sidecar this broker wrote. */
export const MAX_SIDECAR_BYTES = 4096;

/** The folder the recordings are in, read only through these. */
export interface RecordingFolder {
  /**
   * The ids of the newest `limit` recordings that have a sidecar, newest first (by the sidecar's
   * time), only names {@link RECORDING_ID} accepts.
   */
  ids(limit: number): Promise<string[]>;
  /** A sidecar's bytes, or `undefined` (missing, not a plain file, over `maxBytes`). */
  sidecar(id: string, maxBytes: number): Promise<Uint8Array | undefined>;
  /** A recording's bytes as they are now, or `undefined` (missing, not a plain file). */
  open(id: string): Promise<{ size: number; body: ReadableStream<Uint8Array> } | undefined>;
}

/** One line of the list: the sidecar and the id to fetch the recording by. */
export interface ListedRecording extends RecordingMetadata {
  readonly id: string;
}

/** Options of {@link recordingsHandler}. */
export interface RecordingsHandlerOptions {
  /** The bearer token every request must carry. */
  token: string;
  folder: RecordingFolder;
  /** Called with what went wrong (the client only sees a fixed text). */
  onError?: (error: unknown) => void;
}

const text = (status: number, body: string): Response =>
  new Response(body, {
    status,
    headers: { "content-type": "text/plain", "cache-control": "no-store" },
  });

/**
 * Answers `/recordings` and `/recordings/<id>`; `undefined` for any other path. The id is checked
 * against {@link RECORDING_ID} before the folder is asked, so no request names a path.
 */
export function recordingsHandler(
  options: RecordingsHandlerOptions,
): (request: Request) => Promise<Response | undefined> {
  const { folder } = options;
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname !== "/recordings" && !pathname.startsWith("/recordings/")) return undefined;
    if (!hasBearer(request.headers.get("authorization"), options.token)) {
      return text(401, "Unauthorized\n");
    }
    if (request.method !== "GET") return text(405, "GET only\n");
    try {
      if (pathname === "/recordings") return Response.json(await list(folder), NO_STORE);
      const id = pathname.slice("/recordings/".length);
      if (!RECORDING_ID.test(id)) return text(404, "No such recording\n");
      const file = await folder.open(id);
      if (file === undefined) return text(404, "No such recording\n");
      return new Response(file.body, {
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(file.size),
          "cache-control": "no-store",
        },
      });
    } catch (error) {
      options.onError?.(error);
      return text(500, "Cannot read the recordings\n");
    }
  };
}

const NO_STORE = { headers: { "cache-control": "no-store" } };

async function list(folder: RecordingFolder): Promise<ListedRecording[]> {
  const listed: ListedRecording[] = [];
  for (const id of (await folder.ids(MAX_LISTED_RECORDINGS)).slice(0, MAX_LISTED_RECORDINGS)) {
    if (!RECORDING_ID.test(id)) continue;
    const bytes = await folder.sidecar(id, MAX_SIDECAR_BYTES);
    if (bytes === undefined) continue;
    let meta: RecordingMetadata;
    try {
      meta = parseRecordingMetadata(new TextDecoder().decode(bytes));
    } catch {
      continue; // not a sidecar this broker wrote: not listed
    }
    // Only the known fields: whatever else a file holds is not passed on.
    const { connection, protocol, start, end, bytes: size, keysRecorded, truncated } = meta;
    listed.push({
      id,
      connection,
      protocol,
      start,
      end,
      bytes: size,
      keysRecorded,
      ...(truncated === undefined ? {} : { truncated }),
    });
  }
  return listed;
}
