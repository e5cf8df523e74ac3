import {
  type ConnectAttempt,
  connectAttempt,
  firstReachable,
  type GuacdConnection,
  type GuacdConnectOptions,
} from "@guacstream/codec/transport";
import { GuacdConnectionError } from "./errors.ts";

// One connection shape and one duplex shape for every transport: the codec's, not copies.
export type { GuacdDuplex } from "@guacstream/codec/client";
export type { GuacdConnection } from "@guacstream/codec/transport";

/**
 * TLS settings for Deno. The certificate chain and the host name are always verified; there is
 * deliberately no way to turn verification off.
 */
export interface DenoTlsOptions {
  /** Extra trusted CA certificates (PEM), in addition to Deno's roots. */
  caCerts?: string[];
  /**
   * The name to send as SNI and to verify the certificate against.
   *
   * @default {the `host` option}
   */
  hostname?: string;
  /**
   * Client certificate chain (PEM) for mutual TLS; needs `key`. With a client certificate Deno
   * connects with `Deno.connectTls`, which resolves `hostname` itself (no `::1` fallback for
   * `localhost`).
   */
  cert?: string;
  /** Client private key (PEM) for mutual TLS. */
  key?: string;
}

/**
 * Where and how to connect: the codec's `GuacdConnectOptions` with Deno's TLS settings. Every
 * field is optional.
 *
 * @example Nothing listens on the port: a typed error, fast
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, type ConnectOptions } from "./connect.ts";
 * import { GuacdConnectionError } from "./errors.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = listener.addr.port;
 * listener.close();
 * const options: ConnectOptions = { host: "127.0.0.1", port, timeout: 2000 };
 * await assert.rejects(
 *   connect(options),
 *   (error) => error instanceof GuacdConnectionError && error.code === "CONNECTION_REFUSED",
 * );
 * ```
 */
export interface ConnectOptions extends GuacdConnectOptions<DenoTlsOptions> {
  /**
   * Host name or IP address of guacd. `"localhost"` tries both `127.0.0.1` and `::1`, because
   * guacd is often bound to `::1` only.
   *
   * @default {"127.0.0.1"}
   */
  host?: string;
  /** `true` for TLS with Deno's default CA roots, or the TLS settings. @default {false} */
  tls?: boolean | DenoTlsOptions;
  /**
   * Bytes queued in `readable` before the transport stops reading the socket. The process holds
   * at most this plus one socket read (64 KiB) per connection.
   *
   * @default {65536}
   */
  highWaterMark?: number;
}

type Fail = ConnectAttempt["fail"];

/**
 * Opens a TCP (optionally TLS) connection to guacd with TCP no-delay on and back-pressure in both
 * directions. Rejects with a {@linkcode GuacdConnectionError}. Needs `--allow-net`.
 *
 * @example Round trip through a local echo server
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "./connect.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const serving = (async () => {
 *   const conn = await listener.accept();
 *   await conn.readable.pipeTo(conn.writable);
 * })();
 * try {
 *   const connection = await connect({ port: listener.addr.port });
 *   const writer = connection.writable.getWriter();
 *   await writer.write(new TextEncoder().encode("4.sync,1.0;"));
 *   const reader = connection.readable.getReader();
 *   const { value } = await reader.read();
 *   assert.equal(new TextDecoder().decode(value), "4.sync,1.0;");
 *   await writer.close();
 *   assert.equal((await reader.read()).done, true);
 *   assert.equal(await connection.closed, undefined);
 *   await serving;
 * } finally {
 *   listener.close();
 * }
 * ```
 *
 * @example Watch how the connection ends
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "./connect.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted = listener.accept();
 * try {
 *   const connection = await connect({ port: listener.addr.port });
 *   const ended = connection.closed.then((error) => error?.code ?? "clean");
 *   await connection.close();
 *   await connection.close(); // idempotent
 *   assert.equal(await ended, "clean");
 *   (await accepted).close();
 * } finally {
 *   listener.close();
 * }
 * ```
 */
export function connect(options: ConnectOptions = {}): Promise<GuacdConnection> {
  return connectAttempt(options, async (attempt) => {
    const { host, port, highWaterMark, signal, fail } = attempt;
    const tls = options.tls === true ? {} : options.tls === false ? undefined : options.tls;
    if (tls?.cert !== undefined || tls?.key !== undefined) {
      const conn = await connectMutualTls(host, port, tls, signal, fail);
      return new DenoGuacdConnection(conn, host, port, highWaterMark, true);
    }
    const tcp = await openTcp(attempt);
    if (tls === undefined) return new DenoGuacdConnection(tcp, host, port, highWaterMark, false);
    const conn = await startTls(tcp, host, tls, signal, fail);
    return new DenoGuacdConnection(conn, host, port, highWaterMark, true);
  });
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function candidates(host: string): string[] {
  const bare = unbracket(host);
  // /etc/hosts often maps localhost to 127.0.0.1 only, while guacd binds ::1 by default.
  if (bare.toLowerCase() === "localhost") return ["127.0.0.1", "::1"];
  return [bare];
}

function openTcp(attempt: ConnectAttempt): Promise<Deno.TcpConn> {
  const { port, signal, fail } = attempt;
  return firstReachable(attempt, candidates(attempt.host), async (address) => {
    try {
      const conn = await Deno.connect({ hostname: address, port, signal });
      conn.setNoDelay(true);
      return conn;
    } catch (error) {
      throw classifyConnectError(error, address, fail);
    }
  });
}

/** Runs `attempt`, but settles with the stop reason as soon as `signal` aborts. */
function unlessStopped<T>(
  signal: AbortSignal,
  attempt: Promise<T>,
  discard: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onStop = (): void => reject(signal.reason);
    signal.addEventListener("abort", onStop, { once: true });
    attempt.then(
      (value) => {
        signal.removeEventListener("abort", onStop);
        if (signal.aborted) discard(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onStop);
        reject(error);
      },
    );
  });
}

async function startTls(
  tcp: Deno.TcpConn,
  host: string,
  options: DenoTlsOptions,
  signal: AbortSignal,
  fail: Fail,
): Promise<Deno.TlsConn> {
  const hostname = options.hostname ?? unbracket(host);
  let conn: Deno.TlsConn | undefined;
  // A handshake cannot be cancelled, but closing the socket under it ends it at once.
  const onStop = (): void => (conn ?? tcp).close();
  signal.addEventListener("abort", onStop, { once: true });
  try {
    conn = await Deno.startTls(tcp, {
      hostname,
      ...(options.caCerts === undefined ? {} : { caCerts: options.caCerts }),
    });
    await conn.handshake();
    return conn;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    try {
      (conn ?? tcp).close();
    } catch {
      // Already closed by the failed handshake.
    }
    throw fail("TLS_FAILURE", `TLS handshake failed: ${messageOf(error)}`, error);
  } finally {
    signal.removeEventListener("abort", onStop);
  }
}

async function connectMutualTls(
  host: string,
  port: number,
  options: DenoTlsOptions,
  signal: AbortSignal,
  fail: Fail,
): Promise<Deno.TlsConn> {
  if (options.cert === undefined || options.key === undefined) {
    throw new TypeError("Cannot connect to guacd: a client certificate needs both cert and key");
  }
  const hostname = options.hostname ?? unbracket(host);
  try {
    const attempt = Deno.connectTls({
      hostname,
      port,
      cert: options.cert,
      key: options.key,
      ...(options.caCerts === undefined ? {} : { caCerts: options.caCerts }),
    }).then(async (conn) => {
      try {
        await conn.handshake();
        return conn;
      } catch (error) {
        conn.close();
        throw fail("TLS_FAILURE", `TLS handshake failed: ${messageOf(error)}`, error);
      }
    });
    return await unlessStopped(signal, attempt, (conn) => conn.close());
  } catch (error) {
    if (signal.aborted || error instanceof GuacdConnectionError) throw error;
    throw classifyConnectError(error, hostname, fail);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function classifyConnectError(error: unknown, address: string, fail: Fail): GuacdConnectionError {
  if (error instanceof Deno.errors.ConnectionRefused) {
    return fail("CONNECTION_REFUSED", "connection refused", error, address);
  }
  if (error instanceof Deno.errors.ConnectionReset) {
    return fail("RESET", "connection reset by peer", error, address);
  }
  if (error instanceof Deno.errors.TimedOut) {
    return fail("CONNECT_TIMEOUT", "timed out (ETIMEDOUT)", error, address);
  }
  const message = messageOf(error);
  // Deno reports resolver failures as a plain Error (getaddrinfo's text) or NotFound.
  if (error instanceof Deno.errors.NotFound || /lookup address|resolve|dns/i.test(message)) {
    return fail("DNS_FAILURE", `cannot resolve host name (${message})`, error, address);
  }
  if (error instanceof Deno.errors.InvalidData) {
    return fail("TLS_FAILURE", `TLS handshake failed: ${message}`, error, address);
  }
  return fail("NETWORK", message, error, address);
}

/** The connection, seen as web streams. Everything here is glue; there is no protocol logic. */
class DenoGuacdConnection implements GuacdConnection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly closed: Promise<GuacdConnectionError | undefined>;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly encrypted: boolean;
  #conn: Deno.Conn;
  #host: string;
  #port: number;
  /** Deno's reader of the connection, from the first read that was not BYOB on. */
  #denoReader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>> | undefined;
  /** What a BYOB read left of Deno's last chunk. */
  #leftover: Uint8Array<ArrayBuffer> | undefined;
  #readableController!: ReadableByteStreamController;
  #writableController!: WritableStreamDefaultController;
  #readableDone = false;
  #bytesRead = 0;
  #bytesWritten = 0;
  #gone = false;
  #settle!: (value: GuacdConnectionError | undefined) => void;
  #closing: Promise<void> | undefined;

  constructor(
    conn: Deno.Conn,
    host: string,
    port: number,
    highWaterMark: number,
    encrypted: boolean,
  ) {
    this.#conn = conn;
    this.#host = host;
    this.#port = port;
    this.encrypted = encrypted;
    const remote = conn.remoteAddr as Deno.NetAddr;
    const local = conn.localAddr as Deno.NetAddr;
    this.remoteAddress = remote.hostname;
    this.remotePort = remote.port;
    this.localAddress = local.hostname;
    this.localPort = local.port;
    this.closed = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.readable = new ReadableStream(
      {
        type: "bytes",
        start: (controller) => {
          this.#readableController = controller;
        },
        // Called only while the queue is below highWaterMark or a read waits: one socket read.
        pull: (controller) => this.#pull(controller),
        // Nobody wants guacd's bytes any more: the connection is useless, close it.
        cancel: () => {
          this.#readableDone = true;
          this.#shutdown(undefined);
        },
      },
      { highWaterMark },
    );
    this.writable = new WritableStream<Uint8Array>({
      start: (controller) => {
        this.#writableController = controller;
      },
      write: (chunk) => this.#write(chunk),
      close: async () => {
        try {
          if (!this.#gone) await this.#conn.closeWrite();
        } catch (error) {
          throw this.#ioError(error, "write to");
        }
      },
      abort: () => this.#shutdown(undefined),
    });
  }

  get bytesRead(): number {
    return this.#bytesRead;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#shutdown(undefined);
      await this.closed;
    })();
    return this.#closing;
  }

  async #pull(controller: ReadableByteStreamController): Promise<void> {
    const request = controller.byobRequest;
    try {
      if (request?.view && this.#denoReader !== undefined) {
        // Deno's reader is in use (a default reader came first): keep its order, copy into the view.
        const view = request.view;
        const target = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
        let chunk = this.#leftover;
        this.#leftover = undefined;
        if (chunk === undefined) {
          const { done, value } = await this.#denoReader.read();
          if (done) return this.#endOfStream();
          this.#bytesRead += value.byteLength;
          chunk = value;
        }
        const n = Math.min(chunk.byteLength, target.byteLength);
        target.set(chunk.subarray(0, n));
        if (n < chunk.byteLength) this.#leftover = chunk.slice(n);
        request.respond(n);
        return;
      }
      if (request?.view) {
        // A BYOB reader: read straight into its buffer, no copy.
        const view = request.view;
        const target = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
        const n = await this.#conn.read(target);
        if (n === null) return this.#endOfStream();
        this.#bytesRead += n;
        request.respond(n);
        return;
      }
      if (this.#leftover !== undefined) {
        // A BYOB read before this one did not take all of Deno's last chunk.
        const rest = this.#leftover;
        this.#leftover = undefined;
        controller.enqueue(rest);
        return;
      }
      // Deno's own reads, taken as they come: each is a fresh buffer, handed over without a copy.
      this.#denoReader ??= this.#conn.readable.getReader();
      const { done, value } = await this.#denoReader.read();
      if (done) return this.#endOfStream();
      this.#bytesRead += value.byteLength;
      if (this.#readableDone) return;
      // A small read would pin Deno's whole read buffer while queued: copy it out instead.
      controller.enqueue(value.byteLength < value.buffer.byteLength / 2 ? value.slice() : value);
    } catch (error) {
      if (this.#gone) return this.#endOfStream();
      const failure = this.#ioError(error, "read from");
      this.#shutdown(failure);
    }
  }

  #endOfStream(): void {
    if (!this.#readableDone) {
      this.#readableDone = true;
      this.#readableController.close();
      // close() leaves a pending BYOB read unanswered; answer it with end of stream.
      this.#readableController.byobRequest?.respond(0);
    }
    // As on Node: once guacd has finished sending, the connection is over.
    this.#shutdown(undefined);
  }

  async #write(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError("Cannot write to guacd: chunk is not a Uint8Array");
    }
    if (this.#gone) throw this.#closedError();
    try {
      let offset = 0;
      while (offset < chunk.byteLength) {
        offset += await this.#conn.write(chunk.subarray(offset));
      }
      this.#bytesWritten += chunk.byteLength;
    } catch (error) {
      if (this.#gone) throw this.#closedError();
      const failure = this.#ioError(error, "write to");
      this.#shutdown(failure);
      throw failure;
    }
  }

  /** Closes the resource once, ends both streams and settles `closed`. */
  #shutdown(error: GuacdConnectionError | undefined): void {
    if (this.#gone) return;
    this.#gone = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    if (!this.#readableDone) {
      this.#readableDone = true;
      if (error === undefined) {
        this.#readableController.close();
        this.#readableController.byobRequest?.respond(0);
      } else this.#readableController.error(error);
    }
    this.#writableController.error(error ?? this.#closedError());
    this.#settle(error);
  }

  #closedError(): GuacdConnectionError {
    return new GuacdConnectionError({
      code: "CLOSED",
      host: this.#host,
      port: this.#port,
      action: "write to",
      reason: "connection closed",
    });
  }

  #ioError(error: unknown, action: string): GuacdConnectionError {
    const reset =
      error instanceof Deno.errors.ConnectionReset ||
      error instanceof Deno.errors.BrokenPipe ||
      error instanceof Deno.errors.ConnectionAborted;
    // A TLS alert after the handshake, e.g. the server wanted a client certificate (TLS 1.3).
    const tls = this.encrypted && error instanceof Deno.errors.InvalidData;
    return new GuacdConnectionError({
      code: reset ? "RESET" : tls ? "TLS_FAILURE" : "NETWORK",
      host: this.#host,
      port: this.#port,
      action,
      reason: reset
        ? "connection reset by peer"
        : tls
          ? `TLS failure: ${messageOf(error)}`
          : messageOf(error),
      cause: error,
    });
  }
}
