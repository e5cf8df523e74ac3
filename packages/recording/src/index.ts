/**
 * Guacamole session recordings (`.guac`): the key log guacd's `guaclog` writes, byte for byte,
 * the key events a recording holds, and the metadata sidecar a broker writes beside it.
 *
 * @module
 */
export type { KeyLogResult, RecordedKeyEvent } from "./key-log.ts";
export { atoi, KeyLog, keyLogOf } from "./key-log.ts";
export type { RecordingMetadata } from "./metadata.ts";
export { parseRecordingMetadata, RECORDING_METADATA_SUFFIX } from "./metadata.ts";
