import type { RecordingSource } from "./render-recording.ts";

/** The chunks of any recording source, as one async iteration. */
export async function* chunksOf(source: RecordingSource): AsyncGenerator<Uint8Array> {
  if (source instanceof ReadableStream) {
    const reader = source.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source;
}
