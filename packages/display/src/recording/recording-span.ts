import { GuacamoleProtocolError, InstructionDecoder } from "@guacstream/codec";
import { chunksOf } from "./_chunks.ts";
import type { RecordingSource } from "./render-recording.ts";

/**
 * The time a recording covers, from its `sync` timestamps.
 */
export interface RecordingSpan {
  /** Milliseconds from the first `sync` to the last. */
  readonly duration: number;
  /** How many `sync`s (frames) it has. */
  readonly frames: number;
}

/**
 * Reads a recording's `sync` timestamps without drawing anything: how long it is and how many
 * frames it has, to choose the times to render.
 *
 * @example A recording of two frames 2 s apart
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordingSpan } from "@guacstream/display";
 *
 * const bytes = new TextEncoder().encode("4.sync,4.1000;4.sync,4.3000;");
 * assert.deepEqual(await recordingSpan([bytes]), { duration: 2000, frames: 2 });
 * ```
 */
export async function recordingSpan(source: RecordingSource): Promise<RecordingSpan> {
  let first: number | undefined;
  let last = 0;
  let frames = 0;
  const decoder = new InstructionDecoder(({ opcode, args }) => {
    if (opcode !== "sync") return;
    const timestamp = Number(args[0]);
    if (!Number.isFinite(timestamp)) return;
    first ??= timestamp;
    last = timestamp;
    frames++;
  });
  for await (const chunk of chunksOf(source)) decoder.push(chunk);
  try {
    decoder.finish();
  } catch (error) {
    if (!(error instanceof GuacamoleProtocolError && error.code === "TRUNCATED")) throw error;
  }
  return { duration: first === undefined ? 0 : last - first, frames };
}
