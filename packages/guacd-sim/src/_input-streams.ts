// The streams a client opens toward guacd, indexed as guacd's user keeps them (`__input_streams`
// in libguac's user-handlers.c): an index is taken by an opening instruction and freed only by
// the client's `end`. A refusal does not free it; the refused stream's end handler runs when the
// client ends it, or when the client opens another stream on the index.

import { GUACAMOLE_STATUS } from "@guacstream/codec/client";
import { encodeInstruction } from "./_wire.ts";

/** What guacd's protocol handler set on a stream: how it takes blobs and the end. */
export interface InputStreamHandlers {
  /** A blob's base64 data; without it guacd acks each blob 256 "File transfer unsupported". */
  readonly blob?: (base64: string) => void;
  /** The stream ends (by `end`, or by a new stream opened on its index). */
  readonly end?: () => void;
}

/** guacd serves at most 64 streams per user (`GUAC_USER_MAX_STREAMS`). */
const MAX_STREAMS = 64;
const CLIENT_BAD_REQUEST = String(GUACAMOLE_STATUS.CLIENT_BAD_REQUEST);
const UNSUPPORTED = String(GUACAMOLE_STATUS.UNSUPPORTED);

/**
 * One user's input stream table as guacd keeps it. `open` runs the handler of the stream still
 * open on the index first (guacd's `__init_input_stream`); `blob` and `end` on an index that is
 * not open are answered `ack,<index>,Invalid stream index,768`, as guacd answers them.
 */
export class InputStreams {
  readonly #send: (bytes: Uint8Array) => void;
  readonly #open = new Map<string, InputStreamHandlers>();

  constructor(send: (bytes: Uint8Array) => void) {
    this.#send = send;
  }

  /**
   * Takes `index` for a new stream, ending the one still open there first. `false` (after
   * guacd's ack) when the index is out of range.
   */
  open(index: string, handlers: InputStreamHandlers = {}): boolean {
    if (!validIndex(index)) {
      this.#invalid(index);
      return false;
    }
    const old = this.#open.get(index);
    this.#open.set(index, handlers);
    old?.end?.();
    return true;
  }

  /** Sets what handles a stream opened with none (a handler that accepted it after opening). */
  handle(index: string, handlers: InputStreamHandlers): void {
    if (this.#open.has(index)) this.#open.set(index, handlers);
  }

  /** Whether a stream is open on `index` (guacd is not done with it). */
  isOpen(index: string): boolean {
    return this.#open.has(index);
  }

  /** A blob for the stream on `index`, to its handler. */
  blob(index: string, base64: string): void {
    const stream = this.#open.get(index);
    if (stream === undefined) {
      this.#invalid(index);
      return;
    }
    if (stream.blob === undefined) {
      this.#send(encodeInstruction("ack", index, "File transfer unsupported", UNSUPPORTED));
      return;
    }
    stream.blob(base64);
  }

  /** The client ends the stream on `index`: its handler runs, and the index is free. */
  end(index: string): void {
    const stream = this.#open.get(index);
    if (stream === undefined) {
      this.#invalid(index);
      return;
    }
    this.#open.delete(index);
    stream.end?.();
  }

  #invalid(index: string): void {
    this.#send(encodeInstruction("ack", index, "Invalid stream index", CLIENT_BAD_REQUEST));
  }
}

function validIndex(index: string): boolean {
  const n = Number(index);
  return /^\d+$/.test(index) && n < MAX_STREAMS;
}
