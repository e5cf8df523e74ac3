import type { ConnectAttempt } from "./connect-attempt.ts";
import type { GuacdConnectionError } from "./connection-error.ts";
import type { GuacdConnection } from "./guacd-connection.ts";
import { ioFailure, type SocketFault } from "./socket-faults.ts";

/** What a transport knows about its socket once it is open, for {@linkcode SocketConnection}. */
export interface SocketFacts {
  /** Whether the socket is TLS. */
  readonly encrypted: boolean;
  /** The peer's IP address. */
  readonly remoteAddress: string;
  /** The peer's port. */
  readonly remotePort: number;
  /** Our IP address. */
  readonly localAddress: string;
  /** Our port. */
  readonly localPort: number;
}

/**
 * The part of a {@linkcode GuacdConnection} that is the same on every runtime: the two web
 * streams and their controllers, the byte counters, one idempotent `close()`, the end or failure
 * of `readable`, and `closed`. A transport subclasses it with four socket operations and calls
 * {@linkcode SocketConnection.deliver}, {@linkcode SocketConnection.endReadable} and
 * {@linkcode SocketConnection.finish} as its socket reports data, end of input and the end, and
 * {@linkcode SocketConnection.recordFailure} when it fails.
 *
 * @example A transport over an in-memory pipe
 * ```ts
 * import assert from "node:assert/strict";
 * import { SocketConnection } from "@guacstream/codec/transport";
 *
 * class PipeConnection extends SocketConnection {
 *   #peer: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>>;
 *   #sent: Uint8Array[];
 *   constructor(peer: ReadableStream<Uint8Array<ArrayBuffer>>, sent: Uint8Array[]) {
 *     const where = { host: "pipe", port: 0, highWaterMark: 0 };
 *     const facts = { remoteAddress: "", remotePort: 0, localAddress: "", localPort: 0 };
 *     super(where, { ...facts, encrypted: false });
 *     this.#peer = peer.getReader();
 *     this.#sent = sent;
 *   }
 *   protected async pullSocket(): Promise<void> {
 *     const { done, value } = await this.#peer.read();
 *     if (done) this.finish(); // a clean end: readable closes, closed resolves
 *     else this.deliver(value);
 *   }
 *   protected async writeSocket(chunk: Uint8Array): Promise<void> {
 *     this.#sent.push(chunk);
 *   }
 *   protected async endSocketWrite(): Promise<void> {}
 *   protected destroySocket(): void {
 *     this.finish();
 *   }
 * }
 *
 * const sent: Uint8Array[] = [];
 * const connection = new PipeConnection(new Blob(["4.sync,1.0;"]).stream(), sent);
 * const writer = connection.writable.getWriter();
 * await writer.write(new TextEncoder().encode("3.nop;"));
 * assert.equal(connection.bytesWritten, 6);
 * const text = await new Response(connection.readable).text();
 * assert.equal(text, "4.sync,1.0;");
 * assert.equal(connection.bytesRead, 11);
 * assert.equal(await connection.closed, undefined);
 * await connection.close(); // idempotent, and harmless once closed
 * ```
 */
export abstract class SocketConnection implements GuacdConnection {
  /** Bytes from guacd. Ends on a clean close (FIN), errors on a reset. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to guacd. A write resolves once the socket has taken the whole chunk. */
  readonly writable: WritableStream<Uint8Array>;
  /** Settles once, when the connection is gone: `undefined` or the error that ended it. */
  readonly closed: Promise<GuacdConnectionError | undefined>;
  /** The peer's IP address. */
  readonly remoteAddress: string;
  /** The peer's port. */
  readonly remotePort: number;
  /** Our IP address. */
  readonly localAddress: string;
  /** Our port. */
  readonly localPort: number;
  /** Whether the connection is TLS. */
  readonly encrypted: boolean;
  readonly #where: { readonly host: string; readonly port: number };
  #readableController!: ReadableByteStreamController;
  #writableController!: WritableStreamDefaultController;
  #readableDone = false;
  #finished = false;
  #failure: GuacdConnectionError | undefined;
  #bytesRead = 0;
  #bytesWritten = 0;
  #settle!: (error: GuacdConnectionError | undefined) => void;
  #closing: Promise<void> | undefined;

  /**
   * Sets up both streams for the attempt's host, port (named in errors) and high-water mark; the
   * subclass starts its socket after `super()`.
   */
  constructor(
    attempt: Pick<ConnectAttempt, "host" | "port" | "highWaterMark">,
    facts: SocketFacts,
  ) {
    this.#where = { host: attempt.host, port: attempt.port };
    this.encrypted = facts.encrypted;
    this.remoteAddress = facts.remoteAddress;
    this.remotePort = facts.remotePort;
    this.localAddress = facts.localAddress;
    this.localPort = facts.localPort;
    this.closed = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.readable = new ReadableStream(
      {
        type: "bytes",
        start: (controller) => {
          this.#readableController = controller;
        },
        // Called only while the queue is below highWaterMark or a read waits.
        pull: (controller) => this.pullSocket(controller),
        // Nobody wants guacd's bytes any more: the connection is useless, close it.
        cancel: () => {
          this.#readableDone = true;
          this.destroySocket();
        },
      },
      { highWaterMark: attempt.highWaterMark },
    );
    this.writable = new WritableStream<Uint8Array>({
      start: (controller) => {
        this.#writableController = controller;
      },
      write: (chunk) => this.#write(chunk),
      close: () => this.endSocketWrite(),
      abort: () => this.destroySocket(),
    });
  }

  /** Bytes read from the socket and handed to `readable` so far (after TLS decryption). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** Bytes the socket has taken from `writable` so far (before TLS encryption). */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** Closes both directions at once; every call returns the same wait, until `closed`. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.destroySocket();
      await this.closed;
    })();
    return this.#closing;
  }

  /** Reads the socket once (pull-based runtimes) or lets it deliver again (push-based ones). */
  protected abstract pullSocket(controller: ReadableByteStreamController): void | Promise<void>;
  /** Writes the whole chunk; resolves once the socket has taken it, rejects with the failure. */
  protected abstract writeSocket(chunk: Uint8Array): Promise<void>;
  /** Half-closes: sends FIN after what was written. */
  protected abstract endSocketWrite(): Promise<void>;
  /** Closes the socket at once; the subclass calls {@linkcode SocketConnection.finish} when it is gone. */
  protected abstract destroySocket(): void;

  /** Whether `readable` has ended, errored or been cancelled: read bytes have nowhere to go. */
  protected get readableDone(): boolean {
    return this.#readableDone;
  }

  /** Whether {@linkcode SocketConnection.finish} has run. */
  protected get finished(): boolean {
    return this.#finished;
  }

  /** Hands bytes read from the socket to `readable`; `false` when its queue is full (stop reading). */
  protected deliver(chunk: Uint8Array<ArrayBuffer>): boolean {
    if (this.#readableDone) return false;
    this.#bytesRead += chunk.byteLength;
    const controller = this.#readableController;
    controller.enqueue(chunk);
    return (controller.desiredSize ?? 0) > 0;
  }

  /** Answers a BYOB read whose buffer the socket filled with `bytes` bytes. */
  protected respond(request: ReadableStreamBYOBRequest, bytes: number): void {
    this.#bytesRead += bytes;
    request.respond(bytes);
  }

  /** The error that ends the connection, once one is recorded. */
  protected get failure(): GuacdConnectionError | undefined {
    return this.#failure;
  }

  /** Records the error that ends the connection; the first one recorded wins. */
  protected recordFailure(error: GuacdConnectionError): void {
    this.#failure ??= error;
  }

  /**
   * Ends `readable`: with the recorded failure if there is one (a runtime may report a fatal TLS
   * alert and then end of input), else cleanly after the bytes it holds.
   */
  protected endReadable(): void {
    if (this.#readableDone) return;
    this.#readableDone = true;
    if (this.#failure !== undefined) {
      this.#readableController.error(this.#failure);
      return;
    }
    this.#readableController.close();
    // close() leaves a pending BYOB read unanswered; answer it with end of stream.
    this.#readableController.byobRequest?.respond(0);
  }

  /**
   * The socket is gone: ends `readable` and errors `writable` (with the recorded failure, if
   * any) and settles `closed` with that failure. Only the first call counts.
   */
  protected finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.endReadable();
    this.#writableController.error(this.#failure ?? this.closedError());
    this.#settle(this.#failure);
  }

  /** The `CLOSED` error for a write to a connection that is gone. */
  protected closedError(): GuacdConnectionError {
    return ioFailure(this.#where, "closed", undefined, "write to");
  }

  /** The error for `fault` on this connection while `action` (`"read from"`, `"write to"`). */
  protected ioError(fault: SocketFault, cause: unknown, action: string): GuacdConnectionError {
    return ioFailure(this.#where, fault, cause, action);
  }

  async #write(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError("Cannot write to guacd: chunk is not a Uint8Array");
    }
    if (this.#finished) throw this.#failure ?? this.closedError();
    await this.writeSocket(chunk);
    this.#bytesWritten += chunk.byteLength;
  }
}
