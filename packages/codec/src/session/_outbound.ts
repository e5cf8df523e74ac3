import { concatBytes } from "../wire/_bytes.ts";
import { GuacamoleClientError } from "../wire/errors.ts";
import { type Instruction, instruction } from "../wire/instruction.ts";
import type { GuacamoleLimits } from "../wire/limits.ts";
import { encodeInstruction } from "../wire/text.ts";
import { bytesToBase64 } from "./_base64.ts";
import type { GuacamoleCloseInfo } from "./client-options.ts";
import { GuacamoleStatusError } from "./status.ts";

/** Bytes per blob: 6048 bytes are 8064 base64 characters, within guacd's 8192 per element. */
const BLOB_BYTES = 6048;
/** guacd serves at most 64 streams per user (`GUAC_USER_MAX_STREAMS`). */
const MAX_STREAMS = 64;
const STATUS_SUCCESS = 0x0000;

interface AckWaiter {
  resolve(ack: Instruction): void;
  reject(error: Error): void;
}

/** What the outbound part asks of the client it serves. */
export interface OutboundHost {
  /** Whether the session is open (quiet sends and keep-alive stop otherwise). */
  isOpen(): boolean;
  /** Acks arrive only while the session is read: start reading if nobody does yet. */
  ensureReading(): void;
}

/**
 * Everything the client sends after the handshake: the write queue (one write per microtask
 * turn), keep-alive `nop`s while nothing else is sent, and outbound streams with their indexes
 * and `ack`s.
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

  readonly #streamIndexes = new Set<number>();
  readonly #ackWaiters = new Map<number, AckWaiter>();
  #ended: GuacamoleCloseInfo | undefined;

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

  /**
   * Sends `data` as a stream opened by `header` (its index filled in), in blobs guacd accepts,
   * then `end`; with `awaitAcks`, waits for guacd's `ack` after each instruction.
   */
  async sendStream(header: Instruction, data: Uint8Array, awaitAcks: boolean): Promise<void> {
    const index = this.#allocateStream();
    const id = String(index);
    // Each ack is expected before its instruction goes out: guacd may answer before the write
    // resolves here.
    const send = async (item: Instruction): Promise<void> => {
      const acked = awaitAcks ? this.#expectAck(index) : undefined;
      acked?.catch(() => {}); // observed below; a failed write must not leave it unhandled
      await this.queue(this.encode([item]));
      await acked;
    };
    try {
      await send({ opcode: header.opcode, args: [id, ...header.args.slice(1)] });
      for (let at = 0; at < data.length; at += BLOB_BYTES) {
        await send(instruction("blob", id, bytesToBase64(data.subarray(at, at + BLOB_BYTES))));
      }
      await this.queue(this.encode([instruction("end", id)]));
    } finally {
      this.#streamIndexes.delete(index);
      this.#ackWaiters.delete(index);
    }
  }

  /** Hands an `ack` from guacd to the stream waiting for it. */
  receiveAck(ack: Instruction): void {
    const index = Number.parseInt(ack.args[0] ?? "", 10);
    const waiter = this.#ackWaiters.get(index);
    if (waiter !== undefined) {
      this.#ackWaiters.delete(index);
      waiter.resolve(ack);
    }
  }

  /** The session ended: every stream still waiting for an ack fails. */
  end(info: GuacamoleCloseInfo): void {
    this.#ended = info;
    for (const [index, waiter] of this.#ackWaiters) waiter.reject(streamEnded(index, info));
    this.#ackWaiters.clear();
  }

  #allocateStream(): number {
    for (let index = 0; index < MAX_STREAMS; index++) {
      if (!this.#streamIndexes.has(index)) {
        this.#streamIndexes.add(index);
        return index;
      }
    }
    throw new GuacamoleClientError(
      "INVALID_STATE",
      `Cannot open a stream: all ${MAX_STREAMS} stream indexes are in use`,
    );
  }

  async #expectAck(index: number): Promise<void> {
    const ack = await new Promise<Instruction>((resolve, reject) => {
      if (this.#ended !== undefined) {
        reject(streamEnded(index, this.#ended));
        return;
      }
      this.#ackWaiters.set(index, { resolve, reject });
      this.#host.ensureReading();
    });
    const status = Number.parseInt(ack.args[2] ?? "", 10);
    if (status !== STATUS_SUCCESS) {
      throw new GuacamoleClientError(
        "STREAM_FAILED",
        `Cannot send stream ${index}: guacd refused it`,
        {
          cause: GuacamoleStatusError.fromInstruction(ack),
        },
      );
    }
  }
}

function streamEnded(index: number, info: GuacamoleCloseInfo): GuacamoleClientError {
  return new GuacamoleClientError(
    "STREAM_FAILED",
    `Cannot finish stream ${index}: the session ended`,
    {
      cause: info.error,
    },
  );
}
