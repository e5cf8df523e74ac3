import { concatBytes } from "../wire/_bytes.ts";
import { type Instruction, instruction } from "../wire/instruction.ts";
import type { GuacamoleLimits } from "../wire/limits.ts";
import { encodeInstruction } from "../wire/text.ts";

/** What the outbound part asks of the client it serves. */
export interface OutboundHost {
  /** Whether the session is open (quiet sends and keep-alive stop otherwise). */
  isOpen(): boolean;
}

/**
 * Everything the client sends after the handshake: the write queue (one write per microtask
 * turn) and keep-alive `nop`s while nothing else is sent. (Streams are `OutboundStreams`'.)
 */
export class SessionOutbound {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #limits: GuacamoleLimits;
  readonly #host: OutboundHost;
  readonly #textEncoder = new TextEncoder();

  #outgoing: Uint8Array[] = [];
  #flush: Promise<void> | undefined;
  #lastSent = 0;
  #keepAliveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    writer: WritableStreamDefaultWriter<Uint8Array>,
    limits: GuacamoleLimits,
    host: OutboundHost,
  ) {
    this.#writer = writer;
    this.#limits = limits;
    this.#host = host;
  }

  /** The writer, for closing the connection. */
  get writer(): WritableStreamDefaultWriter<Uint8Array> {
    return this.#writer;
  }

  encode(instructions: readonly Instruction[]): Uint8Array {
    let text = "";
    for (const item of instructions) text += encodeInstruction(item, this.#limits);
    return this.#textEncoder.encode(text);
  }

  /** Sends at once, unbatched: the handshake's pace is guacd's. */
  async sendNow(...instructions: Instruction[]): Promise<void> {
    const bytes = this.encode(instructions);
    this.#lastSent = Date.now();
    await this.#writer.write(bytes);
  }

  /** Queues bytes; everything queued in one microtask turn goes out as one write. */
  queue(bytes: Uint8Array): Promise<void> {
    this.#lastSent = Date.now();
    this.#outgoing.push(bytes);
    this.#flush ??= Promise.resolve().then(() => {
      const chunks = this.#outgoing;
      this.#outgoing = [];
      this.#flush = undefined;
      return this.#writer.write(chunks.length === 1 ? chunks[0]! : concatBytes(chunks));
    });
    return this.#flush;
  }

  /** Queues instructions; resolves when the connection has taken them. */
  send(...instructions: Instruction[]): Promise<void> {
    return this.queue(this.encode(instructions));
  }

  /** Sends without waiting; a failure here is the connection's, reported by the client's `closed`. */
  sendQuietly(...instructions: Instruction[]): void {
    if (!this.#host.isOpen()) return;
    this.queue(this.encode(instructions)).catch(() => {});
  }

  /** Sends `nop` whenever `interval` ms pass with nothing sent; 0 or less sends none. */
  startKeepAlive(interval: number): void {
    if (interval <= 0) return;
    const tick = (): void => {
      this.#keepAliveTimer = undefined;
      if (!this.#host.isOpen()) return;
      const idle = Date.now() - this.#lastSent;
      if (idle >= interval) this.sendQuietly(instruction("nop"));
      this.#keepAliveTimer = setTimeout(
        tick,
        Math.max(50, interval - Math.max(0, Date.now() - this.#lastSent)),
      );
    };
    this.#keepAliveTimer = setTimeout(tick, interval);
  }

  stopKeepAlive(): void {
    if (this.#keepAliveTimer !== undefined) clearTimeout(this.#keepAliveTimer);
    this.#keepAliveTimer = undefined;
  }
}
