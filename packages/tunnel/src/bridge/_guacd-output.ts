import type { GuacamoleLimits } from "@guacstream/codec";
import { GuacdMessages, isAscii, returnScratch } from "./_guacd-messages.ts";
import type { SocketAdapter } from "./_socket.ts";

/** How {@link GuacdOutput.pipe} sends and when it waits. */
export interface GuacdOutputOptions {
  readonly limits: Partial<GuacamoleLimits>;
  readonly highWaterMark: number;
  /** The socket sends bytes as a text message (`ws`): ASCII output is sent without decoding. */
  readonly bytesAsText: boolean;
  readonly signal: AbortSignal;
}

/**
 * guacd → browser: one message of whole instructions per guacd read, sent while the WebSocket's
 * buffer is under the high-water mark. Without stages it is one loop over guacd's reads (no
 * stream hop between framing and sending); stages get the same messages as chunks.
 */
export class GuacdOutput {
  /** Bytes of guacd output sent to the browser. */
  bytesToBrowser = 0;
  #messages: GuacdMessages | undefined;
  readonly #text = new TextDecoder();

  /** Runs the pipe until guacd ends, the browser goes, a stage fails or `signal` aborts. */
  pipe(
    socket: SocketAdapter,
    readable: ReadableStream<Uint8Array>,
    stages: readonly TransformStream<Uint8Array, Uint8Array>[],
    options: GuacdOutputOptions,
  ): Promise<void> {
    const messages = new GuacdMessages(options.limits);
    this.#messages = messages;
    if (stages.length === 0) return this.#direct(socket, readable, messages, options);
    let stream = readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => {
          const message = messages.push(chunk);
          if (message !== undefined) controller.enqueue(message.bytes);
        },
        flush: (controller) => {
          const message = messages.finish();
          if (message !== undefined) controller.enqueue(message.bytes);
        },
      }),
    );
    for (const stage of stages) stream = stream.pipeThrough(stage);
    const sink = new WritableStream<Uint8Array>({
      // A stage's output is checked here: it may have changed the bytes.
      write: (chunk) => this.#send(socket, chunk, isAscii(chunk), options),
    });
    return stream.pipeTo(sink, { signal: options.signal });
  }

  /** guacd's final word: the status of its last `error` (or SUCCESS), and whether it said goodbye. */
  lastWord(): { status: number; ended: boolean } {
    return this.#messages?.lastWord() ?? { status: 0, ended: false };
  }

  /** What `pipeTo` would do with no stages, in one loop: read, frame, send, wait if full. */
  async #direct(
    socket: SocketAdapter,
    readable: ReadableStream<Uint8Array>,
    messages: GuacdMessages,
    options: GuacdOutputOptions,
  ): Promise<void> {
    const { signal } = options;
    const reader = readable.getReader();
    // Aborting cancels guacd's side, which ends a pending read.
    const onAbort = (): void => void reader.cancel(signal.reason).catch(() => {});
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const { done, full } = await this.#forwardRead(reader, socket, messages, options);
        if (full !== undefined) await full;
        if (done) return;
      }
    } catch (error) {
      // The browser went or guacd's bytes broke the protocol: guacd's side is of no more use.
      await reader.cancel(error).catch(() => {});
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * One read of guacd, framed and sent. A call of its own, so that the read's bytes and message
   * die with it: a suspended loop keeps its locals, and a session that idles between guacd's
   * frames would hold its last read (up to 64 KiB) while it waits for the next.
   */
  async #forwardRead(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    socket: SocketAdapter,
    messages: GuacdMessages,
    options: GuacdOutputOptions,
  ): Promise<{ done: boolean; full: Promise<void> | undefined }> {
    const { done, value } = await reader.read();
    if (options.signal.aborted) throw options.signal.reason;
    const message = done ? messages.finish() : messages.push(value);
    if (message === undefined) return { done, full: undefined };
    const full = this.#send(socket, message.bytes, message.ascii, options);
    // Only bytes sent as they are may stay with the socket (queued unsent); a decoded copy
    // leaves them free at once, however full the socket's own buffer is.
    const asSent = message.ascii && options.bytesAsText;
    if (message.scratch && (!asSent || socket.ws.bufferedAmount === 0))
      returnScratch(message.bytes);
    return { done, full };
  }

  /** Sends one message; returns a promise only when the socket is full and must drain first. */
  #send(
    socket: SocketAdapter,
    bytes: Uint8Array,
    ascii: boolean,
    options: GuacdOutputOptions,
  ): Promise<void> | undefined {
    if (!socket.isOpen) throw new Error("Cannot send to the browser: the WebSocket closed");
    // ASCII is valid UTF-8 as it is; anything else is decoded (malformed bytes become U+FFFD),
    // because a browser drops a connection whose text message is not valid UTF-8.
    if (ascii && options.bytesAsText) socket.sendBytesAsText(bytes);
    else socket.send(this.#text.decode(bytes));
    this.bytesToBrowser += bytes.byteLength;
    const highWater = options.highWaterMark;
    if (socket.ws.bufferedAmount <= highWater) return undefined;
    return socket.drained(highWater >> 1).then((open) => {
      if (!open) throw new Error("Cannot send to the browser: the WebSocket closed");
    });
  }
}
