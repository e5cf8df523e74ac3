/**
 * The suffix of a recording's metadata sidecar: `<recording>.meta.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECORDING_METADATA_SUFFIX } from "@guacstream/recording";
 * assert.equal(`lab-1.guac${RECORDING_METADATA_SUFFIX}`, "lab-1.guac.meta.json");
 * ```
 */
export const RECORDING_METADATA_SUFFIX = ".meta.json";

/**
 * The sidecar a broker writes beside each recording when it closes, so a site can list and
 * search recordings without reading them ({@link parseRecordingMetadata} reads one).
 */
export interface RecordingMetadata {
  /** The connection's name or id (what the broker's token named). */
  readonly connection: string;
  /** The protocol guacd ran (`vnc`, `rdp`, `ssh`, `telnet`, `kubernetes`). */
  readonly protocol: string;
  /** When recording began, ISO 8601. */
  readonly start: string;
  /** When the recording closed, ISO 8601. */
  readonly end: string;
  /** Bytes in the recording. */
  readonly bytes: number;
  /** Whether the browser's key events are in it (they can hold passwords). */
  readonly keysRecorded: boolean;
  /** Why it ended early, if it did: `byte-cap`, `disk-floor` or `sink-failed`. */
  readonly truncated?: string;
}

/**
 * Checks and returns a sidecar's JSON as {@link RecordingMetadata}; a `TypeError` names the
 * first field that is missing or of the wrong type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRecordingMetadata } from "@guacstream/recording";
 *
 * const meta = parseRecordingMetadata(
 *   '{"connection":"lab","protocol":"ssh","start":"2026-01-01T00:00:00.000Z",' +
 *     '"end":"2026-01-01T00:05:00.000Z","bytes":1234,"keysRecorded":false}',
 * );
 * assert.equal(meta.protocol, "ssh");
 * assert.throws(() => parseRecordingMetadata('{"connection":"lab"}'), TypeError);
 * ```
 */
export function parseRecordingMetadata(json: string): RecordingMetadata {
  const value: unknown = JSON.parse(json);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError("Cannot read recording metadata: it is not a JSON object");
  }
  const record = value as Record<string, unknown>;
  const expect = (field: string, type: "string" | "number" | "boolean"): void => {
    if (typeof record[field] !== type) {
      throw new TypeError(`Cannot read recording metadata: "${field}" is not a ${type}`);
    }
  };
  for (const field of ["connection", "protocol", "start", "end"]) expect(field, "string");
  expect("bytes", "number");
  expect("keysRecorded", "boolean");
  if (record.truncated !== undefined) expect("truncated", "string");
  return record as unknown as RecordingMetadata;
}
