// Plays a recording to the client: recorded bytes in batches behind back-pressure, paced by the
// `sync` timestamps in realtime, held back while the client lags (guacd's throttle), `required`
// waiting for the client's answer, and looped with timestamps shifted forward.

import type { ClientInput } from "./_client-input.ts";
import type { ClientWriter } from "./_client-writer.ts";
import type { SentSyncs } from "./_sent-syncs.ts";
import type { Sleeps } from "./_sleeps.ts";
import { encodeInstruction } from "./_wire.ts";
import type { Clock } from "./clock.ts";
import type { Pace, ReplayEnd, SessionPlan } from "./plan.ts";
import type { Recording } from "./recording.ts";
import type { SessionReport } from "./report.ts";

/** How the simulator's options shape a replay. */
export interface ReplaySettings {
  readonly pace: Pace;
  readonly batchBytes: number;
  readonly throttleLagMs: number;
}

/** What a replay works with: the session's clock, output, frames, input and close. */
export interface ReplayContext {
  readonly clock: Clock;
  readonly settings: ReplaySettings;
  readonly output: SessionReport["output"];
  readonly writer: ClientWriter;
  readonly syncs: SentSyncs;
  readonly input: ClientInput;
  readonly sleeps: Sleeps;
  readonly closing: () => boolean;
}

/** A throttled replay checks the client's lag this often (ms). */
const THROTTLE_POLL_MS = 10;

/** Replays one session's recording. */
export class Replayer {
  readonly #ctx: ReplayContext;
  readonly #plan: SessionPlan;
  readonly #realtime: boolean;

  constructor(ctx: ReplayContext, plan: SessionPlan) {
    this.#ctx = ctx;
    this.#plan = plan;
    this.#realtime = (plan.pace ?? ctx.settings.pace) === "realtime";
  }

  /**
   * Plays `recording` once, or again and again for `loop`; its trailing `disconnect` is left out
   * unless the session ends with one.
   */
  async play(recording: Recording, end: ReplayEnd): Promise<void> {
    const last =
      end !== "disconnect" && recording.endsWithDisconnect
        ? recording.replayEnd - 1
        : recording.replayEnd;
    let offset = 0;
    for (;;) {
      await this.#pass(recording, last, offset);
      if (this.#ctx.closing() || end !== "loop" || last <= recording.replayStart) return;
      const first = recording.firstSync;
      offset = Number.isNaN(first) ? 0 : this.#ctx.syncs.newest + 1 - first;
    }
  }

  /** One pass over the recording, its `sync` timestamps shifted by `offset`. */
  async #pass(rec: Recording, last: number, offset: number): Promise<void> {
    const { clock, settings, output, writer, syncs, closing } = this.#ctx;
    const realtime = this.#realtime;
    const throttled = Number.isFinite(settings.throttleLagMs);
    const firstSync = rec.firstSync;
    const started = clock.now();
    const { starts, ends, opcodes, syncTimestamps } = rec;
    let from = -1;
    let to = -1;
    let count = 0;
    const flush = async (): Promise<void> => {
      if (from < 0) return;
      const bytes = rec.bytes.subarray(from, to);
      output.replayed += count;
      from = -1;
      count = 0;
      if ((await writer.ready()) && !closing()) writer.send(bytes);
    };
    for (let k = rec.replayStart; k < last; k++) {
      if (closing()) return;
      const opcode = opcodes[k]!;
      if (opcode === "ack") {
        // The recorded acks answered the recording client's streams; acks are sent live instead.
        await flush();
        continue;
      }
      if (opcode === "required") {
        await flush();
        if (this.#plan.required === "skip") continue;
        writer.send(rec.bytes.subarray(starts[k]!, ends[k]!));
        await this.#ctx.input.waitForArgv(rec.smallArgs[k] ?? [], closing);
        continue;
      }
      if (opcode === "sync") {
        const ts = syncTimestamps[k]!;
        if (realtime && !Number.isNaN(firstSync)) {
          await flush();
          const wait = started + (ts - firstSync) - clock.now();
          if (wait > 0) await this.#ctx.sleeps.sleep(wait);
          if (closing()) return;
        }
        if (throttled) {
          await flush();
          await this.#whileLagging();
          if (closing()) return;
        }
        syncs.sent(ts + offset);
        if (offset !== 0) {
          await flush();
          output.replayed++;
          writer.send(encodeInstruction("sync", String(ts + offset), rec.syncFrames[k]!));
          continue;
        }
      }
      if (from < 0) from = starts[k]!;
      to = ends[k]!;
      count++;
      if (to - from >= settings.batchBytes || (realtime && opcode === "sync")) await flush();
    }
    await flush();
  }

  /** guacd's throttle: no new frame while the client is too far behind on `sync`. */
  async #whileLagging(): Promise<void> {
    const { clock, settings, output, syncs, sleeps, closing } = this.#ctx;
    let at = clock.now();
    while (!closing() && syncs.lagMs(at) > settings.throttleLagMs) {
      await sleeps.sleep(THROTTLE_POLL_MS);
      const now = clock.now();
      output.throttledMs += now - at;
      at = now;
    }
  }
}
