// The client's side of the socket, read into instructions. During the handshake they queue for
// `next()`, which times out as guacd's per-instruction read does; after `connect` each one goes to
// the session as it arrives; a held socket (guacd's child gone) is drained and ignored.

import { type WireInstruction, WireParser } from "./_wire.ts";
import { WireError } from "./_wire-error.ts";
import type { Clock, TimerHandle } from "./clock.ts";

/** What the handshake reads next: an instruction, or why there is none. */
export type NextInstruction = WireInstruction | "timeout" | "malformed" | "eof";

/** What the reader tells its session. */
export interface ClientReaderEvents {
  /** An instruction after `connect`. */
  instruction(instruction: WireInstruction): void;
  /** A malformed instruction after `connect`: the stream is lost from there on. */
  malformed(): void;
  /** The client closed or reset the socket. */
  closed(): void;
}

/** Reads the client's instructions for one session. */
export class ClientReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #parser = new WireParser();
  readonly #clock: Clock;
  readonly #events: ClientReaderEvents;
  readonly #queue: WireInstruction[] = [];
  #mode: "queue" | "dispatch" | "drop" = "queue";
  #malformed = false;
  #stopped = false;
  #wake: (() => void) | undefined;
  #lastReceived: number;

  constructor(readable: ReadableStream<Uint8Array>, clock: Clock, events: ClientReaderEvents) {
    this.#reader = readable.getReader();
    this.#clock = clock;
    this.#events = events;
    this.#lastReceived = clock.now();
  }

  /** When the last instruction arrived (guacd's client timeout is on receiving). */
  get lastReceived(): number {
    return this.#lastReceived;
  }

  /** Whether instructions go to the session as they arrive (the handshake is over). */
  get dispatching(): boolean {
    return this.#mode === "dispatch";
  }

  /** Reads until the client closes; runs for the whole session. */
  async pump(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        if (this.#stopped || this.#mode === "drop" || this.#malformed) continue;
        this.#take(value);
      }
    } catch {
      // A reset socket reads as an error: the client is gone either way.
    }
    this.#events.closed();
  }

  /** The next handshake instruction, or why there is none within `timeoutMs`. */
  next(timeoutMs: number): Promise<NextInstruction> {
    return new Promise((resolve) => {
      const ready = (): boolean => {
        const instruction = this.#queue.shift();
        if (instruction !== undefined) resolve(instruction);
        else if (this.#malformed) resolve("malformed");
        else if (this.#stopped) resolve("eof");
        else return false;
        return true;
      };
      if (ready()) return;
      const timer: TimerHandle = this.#clock.setTimeout(() => {
        this.#wake = undefined;
        resolve("timeout");
      }, timeoutMs);
      this.#wake = () => {
        if (!ready()) return;
        this.#clock.clearTimeout(timer);
        this.#wake = undefined;
      };
    });
  }

  /** The handshake is over: queued and later instructions go to the session. */
  dispatch(): void {
    this.#mode = "dispatch";
    this.#lastReceived = this.#clock.now();
    for (const pending of this.#queue.splice(0)) {
      if (this.#stopped) return;
      this.#events.instruction(pending);
    }
  }

  /** guacd's child is gone but its parent holds the socket: what arrives is ignored. */
  drop(): void {
    this.#mode = "drop";
    this.#queue.length = 0;
  }

  /** The session is closing: nothing more is delivered, and a pending `next()` ends. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** Lets go of the socket's readable side. */
  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }

  #take(chunk: Uint8Array): void {
    const instructions: WireInstruction[] = [];
    let failure: WireError | undefined;
    try {
      this.#parser.push(chunk, instructions);
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      failure = error;
    }
    for (const instruction of instructions) {
      if (this.#stopped) break;
      this.#lastReceived = this.#clock.now();
      if (this.#mode === "queue") {
        this.#queue.push(instruction);
        this.#wake?.();
      } else if (this.#mode === "dispatch") {
        this.#events.instruction(instruction);
      }
    }
    if (failure !== undefined && !this.#stopped) {
      // Instructions before the bad one count; the stream is lost from there on.
      this.#malformed = true;
      if (this.#mode === "dispatch") this.#events.malformed();
      else this.#wake?.();
    }
  }
}
