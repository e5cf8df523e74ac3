// What keeps a connected session alive or ends it, on one timer: guacd's client timeout (nothing
// received for a while ends the session with 776), libguac's keep-alive `nop` after a quiet
// spell, and the `sync` a held-open replay keeps sending as a live display would.

import type { ClientWriter } from "./_client-writer.ts";
import type { SentSyncs } from "./_sent-syncs.ts";
import { encodeInstruction } from "./_wire.ts";
import type { Clock, TimerHandle } from "./clock.ts";

const NOP = encodeInstruction("nop");

/** The intervals, as the simulator's options give them (ms). */
export interface KeepAliveIntervals {
  readonly syncTimeoutMs: number;
  readonly nopIntervalMs: number;
  readonly idleSyncIntervalMs: number;
}

/** One connected session's keep-alive timer. */
export class KeepAlive {
  readonly #clock: Clock;
  readonly #intervals: KeepAliveIntervals;
  readonly #lastReceived: () => number;
  readonly #writer: ClientWriter;
  readonly #syncs: SentSyncs;
  readonly #onTimeout: () => void;
  #timer: TimerHandle | undefined;
  #idle = false;
  #lastIdleSync = 0;

  /** `lastReceived` tells when the client last sent anything; `onTimeout` ends the session. */
  constructor(
    clock: Clock,
    intervals: KeepAliveIntervals,
    lastReceived: () => number,
    writer: ClientWriter,
    syncs: SentSyncs,
    onTimeout: () => void,
  ) {
    this.#clock = clock;
    this.#intervals = intervals;
    this.#lastReceived = lastReceived;
    this.#writer = writer;
    this.#syncs = syncs;
    this.#onTimeout = onTimeout;
  }

  /** Starts checking, a few times per client timeout (at most every 200 ms). */
  start(): void {
    const every = Math.min(200, this.#intervals.syncTimeoutMs / 4 || 1);
    this.#timer = this.#clock.setInterval(() => this.#tick(), every);
  }

  /** The replay is over and the session held open: send a `sync` now and then. */
  idle(): void {
    this.#idle = true;
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const now = this.#clock.now();
    if (now - this.#lastReceived() >= this.#intervals.syncTimeoutMs) {
      this.stop();
      this.#onTimeout();
      return;
    }
    const every = this.#intervals.idleSyncIntervalMs;
    if (this.#idle && every > 0 && now - this.#lastIdleSync >= every) {
      this.#lastIdleSync = now;
      const ts = this.#syncs.liveTimestamp();
      this.#syncs.sent(ts);
      this.#writer.send(encodeInstruction("sync", String(ts), "0"));
    }
    if (now - this.#writer.lastWrite >= this.#intervals.nopIntervalMs) this.#writer.send(NOP);
  }
}
