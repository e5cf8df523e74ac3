// The simulator's side of the socket: bytes queued in order, the replay's back-pressure point, and
// the close (a last message, then a bounded wait for the socket to flush).

import type { Clock, TimerHandle } from "./clock.ts";
import type { SessionReport } from "./report.ts";

/** How long a close waits for the socket to flush before it aborts it. */
const CLOSE_GRACE_MS = 2000;

/** Writes one session's bytes to its client. */
export class ClientWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #clock: Clock;
  readonly #output: SessionReport["output"];
  readonly #onFailure: () => void;
  #lastWrite: number;

  /** `onFailure` runs when a write fails: the client is gone. */
  constructor(
    writable: WritableStream<Uint8Array>,
    clock: Clock,
    output: SessionReport["output"],
    onFailure: () => void,
  ) {
    this.#writer = writable.getWriter();
    this.#clock = clock;
    this.#output = output;
    this.#onFailure = onFailure;
    this.#lastWrite = clock.now();
  }

  /** When bytes were last queued (libguac's keep-alive `nop` goes after a quiet interval). */
  get lastWrite(): number {
    return this.#lastWrite;
  }

  /** Queues bytes behind everything sent so far (no back-pressure wait). */
  send(bytes: Uint8Array): void {
    this.#lastWrite = this.#clock.now();
    this.#output.bytes += bytes.length;
    this.#writer.write(bytes).catch(this.#onFailure);
  }

  /** Waits until the stream has room; `false` when the client is gone. */
  async ready(): Promise<boolean> {
    try {
      await this.#writer.ready;
      return true;
    } catch {
      this.#onFailure();
      return false;
    }
  }

  /** Sends `final` (if any) and closes, aborting if the socket does not flush within a grace. */
  async close(final: Uint8Array | undefined): Promise<void> {
    const writer = this.#writer;
    if (final !== undefined) {
      this.#output.bytes += final.length;
      writer.write(final).catch(() => {});
    }
    let timer: TimerHandle | undefined;
    const flushed = await Promise.race([
      writer.close().then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = this.#clock.setTimeout(() => resolve(false), CLOSE_GRACE_MS);
      }),
    ]);
    this.#clock.clearTimeout(timer);
    if (!flushed) await writer.abort().catch(() => {});
  }

  /** Drops the connection at once; `reason` reaches the socket adapter (a reset, or a close). */
  abort(reason?: unknown): Promise<void> {
    return this.#writer.abort(reason).catch(() => {});
  }

  /** Closes without a last message and without waiting for a grace. */
  closeNow(): Promise<void> {
    return this.#writer.close().catch(() => {});
  }
}
