import { GuacamoleFilesystemError } from "./filesystem-error.ts";

/** The mimetype guacd gives a directory, and the listing it sends for one. */
export const STREAM_INDEX_MIMETYPE = "application/vnd.glyptodon.guacamole.stream-index+json";

/** One entry of a directory listing. */
export interface FilesystemEntry {
  /** The entry's full path, as guacd names it (usable with `list`, `download`, `upload`). */
  readonly path: string;
  /** The last part of the path. */
  readonly name: string;
  /** guacd's mimetype for it: `application/octet-stream` for files, the stream index for directories. */
  readonly mimetype: string;
  /** Whether it is a directory (its mimetype is {@link STREAM_INDEX_MIMETYPE}). */
  readonly directory: boolean;
}

/**
 * Parses a directory listing guacd sent as `application/vnd.glyptodon.guacamole.stream-index+json`:
 * one JSON object whose keys are paths and whose values are mimetypes. Entries come sorted by
 * path. Throws `GuacamoleFilesystemError` (`INVALID_INDEX`) for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStreamIndex, STREAM_INDEX_MIMETYPE } from "@guacstream/codec/client";
 *
 * const entries = parseStreamIndex(
 *   JSON.stringify({ "/home/b.txt": "application/octet-stream", "/home/a": STREAM_INDEX_MIMETYPE }),
 *   "/home",
 * );
 * assert.deepEqual(entries.map((e) => [e.name, e.directory]), [["a", true], ["b.txt", false]]);
 * ```
 */
export function parseStreamIndex(json: string, path = ""): FilesystemEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw invalid(path, "it is not JSON", error);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalid(path, "it is not a JSON object");
  }
  const entries: FilesystemEntry[] = [];
  for (const [entryPath, mimetype] of Object.entries(parsed)) {
    if (typeof mimetype !== "string") {
      throw invalid(path, `the mimetype of ${JSON.stringify(entryPath)} is not a string`);
    }
    const trimmed = entryPath.endsWith("/") ? entryPath.slice(0, -1) : entryPath;
    entries.push({
      path: entryPath,
      name: trimmed.slice(trimmed.lastIndexOf("/") + 1),
      mimetype,
      directory: mimetype === STREAM_INDEX_MIMETYPE,
    });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function invalid(path: string, why: string, cause?: unknown): GuacamoleFilesystemError {
  return new GuacamoleFilesystemError(
    "INVALID_INDEX",
    path,
    `Cannot read the listing of ${JSON.stringify(path)}: ${why}`,
    undefined,
    { cause },
  );
}
