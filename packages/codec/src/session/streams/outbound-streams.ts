import { GuacamoleClientError } from "../../wire/errors.ts";
import { type Instruction, instruction } from "../../wire/instruction.ts";
import { bytesToBase64 } from "../_base64.ts";
import type { SendInstructions } from "../_send.ts";
import type { GuacamoleLateAck } from "../client-options.ts";
import { type ByteSource, blobsOf } from "../files/blob-source.ts";
import { GUACAMOLE_STATUS, GuacamoleStatusError } from "../status.ts";

/** Bytes per blob: 6048 bytes are 8064 base64 characters, within guacd's 8192 per element. */
export const BLOB_BYTES = 6048;
/** guacd serves at most 64 streams per user (`GUAC_USER_MAX_STREAMS`). */
const MAX_STREAMS = 64;
const STATUS_SUCCESS = GUACAMOLE_STATUS.SUCCESS;
/** guacd's answer to `end` on an index it holds no stream on (libguac's user-handlers.c). */
const STATUS_CLIENT_BAD_REQUEST = GUACAMOLE_STATUS.CLIENT_BAD_REQUEST;
const INVALID_INDEX_MESSAGE = "Invalid stream index";

/**
 * Which of guacd's acks a stream waits for:
 * - `each`: after the opening instruction and after every blob (`file`, `put`), as guacd's own
 *   clients do; with `ackEnd`, also after `end` (guacd's SFTP and RDP upload handlers ack it once
 *   the file is closed).
 * - `open`: after the opening instruction only (`argv`: guacd acks the name, not the data).
 * - `none`: never (`clipboard`, answers to `required`); how many acks guacd sends for such a
 *   stream depends on its handler, so its index is reused only after guacd is provably done.
 */
export interface OutboundStreamOptions {
  readonly acks: "each" | "open" | "none";
  readonly ackEnd?: boolean;
  /**
   * With `each`: blobs sent ahead of guacd's acks. guacd handles a stream's blobs in order and
   * acks each, so a few in flight hide the round trip to guacd (and guacd's SFTP write) per blob.
   * @default {UPLOAD_WINDOW}
   */
  readonly window?: number;
}

/**
 * Blobs in flight by default (48 KiB): guacamole-common-js sends one at a time; a few more let
 * guacd's next write start while the last ack is on its way, and memory stays a few blobs.
 */
export const UPLOAD_WINDOW = 8;

/**
 * The streams the client sends to guacd: their indexes, and the acks they wait on. A stream's
 * data is read from its source one blob at a time, and with acks at most `window` blobs are out
 * before guacd acks the oldest: memory stays at a few blobs whatever the size.
 *
 * guacd frees an input stream's index only on the client's `end` (a refusal does not free it),
 * and when a stream is opened on an index it still holds, it first runs the old stream's end
 * handler, which may ack for the old stream (SFTP: "Close failed", 512). So a stream that guacd
 * refused, that failed, or whose acks are not all awaited, is ended and its index kept until
 * guacd is done with it: the client sends `end` a second time, which guacd, having closed the
 * stream, answers `ack,<index>,Invalid stream index,768`. Every ack on the index until that one
 * is the old stream's; then the index is free.
 */
export class OutboundStreams {
  readonly #send: SendInstructions;
  readonly #readAcks: () => void;
  /** Indexes in use: by a stream, or kept until guacd is done with an ended one. */
  readonly #indexes = new Map<number, "open" | "draining">();
  /** Per index, the acks awaited, oldest first (guacd acks a stream's instructions in order). */
  readonly #waiters = new Map<
    number,
    { resolve: (ack: Instruction) => void; reject: (error: Error) => void }[]
  >();
  #ended: Error | undefined;

  readonly #onLateAck: ((ack: GuacamoleLateAck) => void) | undefined;

  /**
   * `readAcks` makes sure guacd's instructions are being read, since acks come that way;
   * `onLateAck` hears the acks on the client's indexes that nothing awaits.
   */
  constructor(
    send: SendInstructions,
    readAcks: () => void,
    onLateAck?: (ack: GuacamoleLateAck) => void,
  ) {
    this.#send = send;
    this.#readAcks = readAcks;
    this.#onLateAck = onLateAck;
  }

  /** Indexes kept until guacd is done with the stream ended on them. */
  get draining(): readonly number[] {
    return [...this.#indexes].filter(([, state]) => state === "draining").map(([index]) => index);
  }

  /**
   * Takes an `ack` on an index the client holds for one of its streams: it settles what awaits
   * it, or, when nothing does (an ended stream's epilogue, a stream that awaits no acks), goes to
   * `onLateAck`. `false` for an ack on an index the client does not hold.
   */
  handleAck(ack: Instruction): boolean {
    const index = Number.parseInt(ack.args[0] ?? "", 10);
    const state = this.#indexes.get(index);
    if (state === undefined) return false;
    const waiters = this.#waiters.get(index);
    const waiter = state === "open" ? waiters?.shift() : undefined;
    if (waiter !== undefined) {
      if (waiters!.length === 0) this.#waiters.delete(index);
      waiter.resolve(ack);
      return true;
    }
    const status = Number.parseInt(ack.args[2] ?? "", 10);
    const message = ack.args[1] ?? "";
    const released =
      state === "draining" &&
      status === STATUS_CLIENT_BAD_REQUEST &&
      message === INVALID_INDEX_MESSAGE;
    if (released) this.#indexes.delete(index);
    this.#onLateAck?.({ index, message, status, released });
    return true;
  }

  /** The session ended: every stream still waiting fails with `cause`. */
  end(cause: Error | undefined): void {
    this.#ended = new GuacamoleClientError(
      "STREAM_FAILED",
      "Cannot finish the stream: the session ended",
      { cause },
    );
    for (const waiters of this.#waiters.values()) {
      for (const waiter of waiters) waiter.reject(this.#ended);
    }
    this.#waiters.clear();
    this.#indexes.clear();
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
    const ackEnd = eachAck && options.ackEnd === true;
    const window = Math.max(1, options.window ?? UPLOAD_WINDOW);
    let endSent = false;
    // Whether guacd has closed the stream and will send nothing more for it.
    let guacdDone = false;
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
      // The acks of blobs in flight, oldest first.
      const inFlight: Promise<void>[] = [];
      try {
        for (;;) {
          let next: IteratorResult<Uint8Array>;
          try {
            next = await blobs.next();
          } catch (error) {
            // A source that fails mid-way still ends the stream, so guacd closes what it opened.
            endSent = true;
            await this.#send(instruction("end", index)).catch(() => {});
            throw error;
          }
          if (next.done === true) break;
          const blob = instruction("blob", index, bytesToBase64(next.value));
          if (!eachAck) {
            await this.#send(blob);
            continue;
          }
          const ack = this.#expectAck(index);
          ack.catch(() => {}); // observed below, in order
          inFlight.push(ack);
          await this.#send(blob);
          if (inFlight.length >= window) await inFlight.shift();
        }
        for (const ack of inFlight) await ack;
      } finally {
        await blobs.return(undefined); // cancels a stream source we stopped reading early
      }
      endSent = true;
      try {
        await sendAcked(instruction("end", index), ackEnd);
      } catch (error) {
        // A refusal of the end is still its answer: guacd has closed the stream.
        guacdDone = ackEnd && error instanceof GuacamoleClientError && isStatus(error.cause);
        throw error;
      }
      // argv's handler acks its opening only, so after `end` guacd sends nothing more for it.
      guacdDone = ackEnd || options.acks === "open";
    } finally {
      this.#waiters.delete(index);
      if (guacdDone || this.#ended !== undefined) this.#indexes.delete(index);
      else this.#drain(index, endSent);
    }
  }

  /**
   * Ends the stream on `index` on guacd's side (unless `endSent`), then sends the `end` guacd
   * answers with "Invalid stream index": the index is free once that answer comes.
   */
  #drain(index: number, endSent: boolean): void {
    this.#indexes.set(index, "draining");
    const end = instruction("end", index);
    const items = endSent ? [end] : [end, end];
    this.#send(...items).catch(() => {}); // a lost connection ends the session, and frees all
    this.#readAcks();
  }

  #allocate(): number {
    if (this.#ended !== undefined) throw this.#ended;
    for (let index = 0; index < MAX_STREAMS; index++) {
      if (!this.#indexes.has(index)) {
        this.#indexes.set(index, "open");
        return index;
      }
    }
    throw new GuacamoleClientError(
      "INVALID_STATE",
      `Cannot open a stream: all ${MAX_STREAMS} stream indexes are in use or kept for guacd`,
    );
  }

  async #expectAck(index: number): Promise<void> {
    const ack = await new Promise<Instruction>((resolve, reject) => {
      if (this.#ended !== undefined) {
        reject(this.#ended);
        return;
      }
      const waiters = this.#waiters.get(index);
      if (waiters === undefined) this.#waiters.set(index, [{ resolve, reject }]);
      else waiters.push({ resolve, reject });
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

function isStatus(cause: unknown): boolean {
  return cause instanceof GuacamoleStatusError;
}
