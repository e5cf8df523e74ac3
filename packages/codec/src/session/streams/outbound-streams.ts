import { GuacamoleClientError } from "../../wire/errors.ts";
import { type Instruction, instruction } from "../../wire/instruction.ts";
import { bytesToBase64 } from "../_base64.ts";
import type { SendInstructions } from "../_send.ts";
import { type ByteSource, blobsOf } from "../files/blob-source.ts";
import { GuacamoleStatusError } from "../status.ts";

/** Bytes per blob: 6048 bytes are 8064 base64 characters, within guacd's 8192 per element. */
export const BLOB_BYTES = 6048;
/** guacd serves at most 64 streams per user (`GUAC_USER_MAX_STREAMS`). */
const MAX_STREAMS = 64;
const STATUS_SUCCESS = 0x0000;

/**
 * Which of guacd's acks a stream waits for:
 * - `each`: after the opening instruction and after every blob (`file`, `put`), as guacd's own
 *   clients do; with `ackEnd`, also after `end` (guacd acks it once the file is closed).
 * - `open`: after the opening instruction only (`argv`: guacd acks the name, not the data).
 * - `none`: never (`clipboard`, answers to `required`).
 */
export interface OutboundStreamOptions {
  readonly acks: "each" | "open" | "none";
  readonly ackEnd?: boolean;
}

/**
 * The streams the client sends to guacd: their indexes, and the acks they wait on. A stream's
 * data is read from its source one blob at a time, and with acks a blob is sent only after guacd
 * took the one before: memory stays at one blob whatever the size.
 */
export class OutboundStreams {
  readonly #send: SendInstructions;
  readonly #readAcks: () => void;
  readonly #indexes = new Set<number>();
  readonly #waiters = new Map<
    number,
    { resolve: (ack: Instruction) => void; reject: (error: Error) => void }
  >();
  #ended: Error | undefined;

  /** `readAcks` makes sure guacd's instructions are being read, since acks come that way. */
  constructor(send: SendInstructions, readAcks: () => void) {
    this.#send = send;
    this.#readAcks = readAcks;
  }

  /** Routes an `ack` to the stream waiting on it; `false` if none is. */
  handleAck(ack: Instruction): boolean {
    const index = Number.parseInt(ack.args[0] ?? "", 10);
    const waiter = this.#waiters.get(index);
    if (waiter === undefined) return false;
    this.#waiters.delete(index);
    waiter.resolve(ack);
    return true;
  }

  /** The session ended: every stream still waiting fails with `cause`. */
  end(cause: Error | undefined): void {
    this.#ended = new GuacamoleClientError(
      "STREAM_FAILED",
      "Cannot finish the stream: the session ended",
      { cause },
    );
    for (const waiter of this.#waiters.values()) waiter.reject(this.#ended);
    this.#waiters.clear();
  }

  /**
   * Opens a stream with `open(index)` as its first instruction, sends `source` as blobs and ends
   * it. Rejects with `GuacamoleClientError` (`STREAM_FAILED`, guacd's `GuacamoleStatusError` as
   * `cause`) when guacd refuses it; if the source fails, the stream is ended and its error thrown.
   */
  async send(
    open: (index: number) => Instruction,
    source: ByteSource,
    options: OutboundStreamOptions,
  ): Promise<void> {
    const index = this.#allocate();
    const eachAck = options.acks === "each";
    // Each ack is expected before its instruction goes out: guacd may answer before the write
    // resolves here.
    const sendAcked = async (item: Instruction, acked: boolean): Promise<void> => {
      const ack = acked ? this.#expectAck(index) : undefined;
      ack?.catch(() => {}); // observed below; a failed write must not leave it unhandled
      await this.#send(item);
      if (ack !== undefined) await ack;
    };
    try {
      await sendAcked(open(index), options.acks !== "none");
      const blobs = blobsOf(source, BLOB_BYTES);
      try {
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await blobs.next();
          } catch (error) {
            // A source that fails mid-way still ends the stream, so guacd closes what it opened.
            await this.#send(instruction("end", index)).catch(() => {});
            throw error;
          }
          if (next.done === true) break;
          await sendAcked(instruction("blob", index, bytesToBase64(next.value)), eachAck);
        }
      } finally {
        await blobs.return(undefined); // cancels a stream source we stopped reading early
      }
      await sendAcked(instruction("end", index), eachAck && options.ackEnd === true);
    } finally {
      this.#indexes.delete(index);
      this.#waiters.delete(index);
    }
  }

  #allocate(): number {
    if (this.#ended !== undefined) throw this.#ended;
    for (let index = 0; index < MAX_STREAMS; index++) {
      if (!this.#indexes.has(index)) {
        this.#indexes.add(index);
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
        reject(this.#ended);
        return;
      }
      this.#waiters.set(index, { resolve, reject });
      this.#readAcks();
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
