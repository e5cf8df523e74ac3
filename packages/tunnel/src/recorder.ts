import { TunnelError } from "./errors.ts";

/**
 * A pass-through for guacd's output that also writes every chunk to `sink`: put it on the guacd →
 * browser side of a tunnel and the sink receives a `.guac` session recording, the same instruction
 * stream guacd's own `recording-path` writes, which guacamole-common-js's
 * `Guacamole.SessionRecording` plays back. Placed after the bridge's framing, the file holds whole
 * instructions only, even if the session breaks mid-instruction.
 *
 * The sink applies back-pressure: a slow disk slows the session rather than growing memory. A sink
 * error ends the session with {@link TunnelError} `RECORDING_FAILED` (a recording that must be
 * complete should not silently stop; the bridge closes with 1011). The sink
 * is closed when the stream ends cleanly; call {@link SessionRecorderStream.close} after the
 * session in every case, to close it after a failure too.
 *
 * @example Record into memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionRecorderStream } from "@guacstream/tunnel";
 *
 * const chunks: Uint8Array[] = [];
 * const recorder = new SessionRecorderStream(new WritableStream({ write: (c) => void chunks.push(c) }));
 * const bytes = new TextEncoder().encode("4.sync,4.1234,1.1;");
 * const passed: Uint8Array[] = [];
 * for await (const chunk of ReadableStream.from([bytes]).pipeThrough(recorder)) passed.push(chunk);
 * await recorder.close();
 * assert.deepEqual(passed, [bytes]);
 * assert.equal(new TextDecoder().decode(chunks[0]), "4.sync,4.1234,1.1;");
 * ```
 */
export class SessionRecorderStream extends TransformStream<Uint8Array, Uint8Array> {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #closed = false;
  #bytes = 0;

  /** A recorder writing to `sink` (locked until {@link SessionRecorderStream.close}). */
  constructor(sink: WritableStream<Uint8Array>) {
    const writer = sink.getWriter();
    let self!: SessionRecorderStream;
    super({
      async transform(chunk, controller) {
        try {
          await writer.write(chunk);
        } catch (cause) {
          throw new TunnelError("RECORDING_FAILED", "Cannot record: the recording sink failed", {
            cause,
          });
        }
        self.#bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
      async flush() {
        await self.close();
      },
    });
    self = this;
    this.#writer = writer;
  }

  /** Bytes written to the recording so far. */
  get bytesRecorded(): number {
    return this.#bytes;
  }

  /** Closes the sink (once; later calls do nothing). Resolves when the sink has closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#writer.close();
    } finally {
      this.#writer.releaseLock();
    }
  }
}
