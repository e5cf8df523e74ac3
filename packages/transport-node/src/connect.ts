import { lookup } from "node:dns/promises";
import { isIP, type NetConnectOpts, type Socket, connect as tcpConnect } from "node:net";
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from "node:tls";
import {
  type ConnectAttempt,
  connectAttempt,
  firstReachable,
  type GuacdConnection,
  type GuacdConnectOptions,
} from "@guacstream/codec/transport";
import { GuacdConnectionError, type GuacdConnectionErrorCode } from "./errors.ts";

// One connection shape and one duplex shape for every transport: the codec's, not copies.
export type { GuacdDuplex } from "@guacstream/codec/client";
export type { GuacdConnection } from "@guacstream/codec/transport";

/**
 * TLS settings for Node. The certificate chain and the host name are always verified; there is
 * deliberately no way to turn verification off.
 */
export interface NodeTlsOptions {
  /** Trusted CA certificates (PEM), replacing Node's bundled roots. */
  ca?: ConnectionOptions["ca"];
  /**
   * The name to send as SNI and to verify the certificate against.
   *
   * @default {the `host` option, unless it is an IP address (then the IP is verified, no SNI)}
   */
  servername?: string;
  /** Client certificate chain (PEM) for mutual TLS. */
  cert?: ConnectionOptions["cert"];
  /** Client private key (PEM) for mutual TLS. */
  key?: ConnectionOptions["key"];
  /** Passphrase for `key`. */
  passphrase?: string;
  /** Lowest TLS version to accept. @default {"TLSv1.2"} */
  minVersion?: ConnectionOptions["minVersion"];
}

/**
 * Where and how to connect: the codec's `GuacdConnectOptions` with Node's TLS settings. Every
 * field is optional.
 *
 * @example Nothing listens on the port: a typed error, fast
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, type ConnectOptions } from "./connect.ts";
 * import { GuacdConnectionError } from "./errors.ts";
 *
 * import { createServer } from "node:net";
 *
 * const server = createServer().listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * const { port } = server.address() as { port: number };
 * await new Promise((resolve) => server.close(resolve));
 * const options: ConnectOptions = { host: "127.0.0.1", port, timeout: 2000 };
 * await assert.rejects(
 *   connect(options),
 *   (error) => error instanceof GuacdConnectionError && error.code === "CONNECTION_REFUSED",
 * );
 * ```
 */
export interface ConnectOptions extends GuacdConnectOptions<NodeTlsOptions> {
  /**
   * Host name or IP address of guacd. `"localhost"` tries both `::1` and `127.0.0.1`, because
   * guacd is often bound to `::1` only.
   *
   * @default {"127.0.0.1"}
   */
  host?: string;
  /** `true` for TLS with Node's default CA roots, or the TLS settings. @default {false} */
  tls?: boolean | NodeTlsOptions;
  /**
   * Bytes queued in `readable` before the socket stops reading. The queue holds at most this plus
   * one socket read (64 KiB); Node's socket object holds at most one more read while paused, so
   * the process buffers at most `highWaterMark + 128 KiB` per connection.
   *
   * @default {65536}
   */
  highWaterMark?: number;
}

/**
 * Opens a TCP (optionally TLS) connection to guacd with TCP no-delay on and back-pressure in both
 * directions. Rejects with a {@linkcode GuacdConnectionError}.
 *
 * @example Round trip through a local echo server
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:net";
 * import { connect } from "./connect.ts";
 *
 * const server = createServer((socket) => socket.pipe(socket)).listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * const { port } = server.address() as { port: number };
 * try {
 *   const connection = await connect({ port });
 *   const writer = connection.writable.getWriter();
 *   await writer.write(new TextEncoder().encode("4.sync,1.0;"));
 *   const reader = connection.readable.getReader();
 *   const { value } = await reader.read();
 *   assert.equal(new TextDecoder().decode(value), "4.sync,1.0;");
 *   await connection.close();
 *   assert.equal(await connection.closed, undefined);
 * } finally {
 *   server.close();
 * }
 * ```
 *
 * @example Watch how the connection ends
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "./connect.ts";
 *
 * import { createServer } from "node:net";
 *
 * const server = createServer((socket) => socket.resume()).listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * try {
 *   const connection = await connect({ port: (server.address() as { port: number }).port });
 *   const ended = connection.closed.then((error) => error?.code ?? "clean");
 *   await connection.close();
 *   await connection.close(); // idempotent
 *   assert.equal(await ended, "clean");
 * } finally {
 *   server.close();
 * }
 * ```
 */
export function connect(options: ConnectOptions = {}): Promise<GuacdConnection> {
  return connectAttempt(options, async (attempt) => {
    const { host, port, highWaterMark, signal, fail } = attempt;
    const addresses = await resolveHost(host, signal, fail);
    const socket = await firstReachable(attempt, addresses, (address) =>
      openTcp(address, port, signal, fail),
    );
    let stream: Socket = socket;
    if (options.tls !== undefined && options.tls !== false) {
      const tlsOptions = options.tls === true ? {} : options.tls;
      stream = await startTls(socket, host, tlsOptions, signal, fail);
    }
    return new NodeGuacdConnection(stream, host, port, highWaterMark, stream !== socket);
  });
}

type Fail = ConnectAttempt["fail"];

/** Rejects with the stop reason as soon as `signal` aborts; the returned cleanup detaches it. */
function whenStopped(signal: AbortSignal, onStop: (reason: unknown) => void): () => void {
  const listener = (): void => onStop(signal.reason);
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

async function resolveHost(host: string, signal: AbortSignal, fail: Fail): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  const literal = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : undefined;
  if (literal !== undefined && isIP(literal) === 6) return [literal];
  const found = await new Promise<string[]>((resolve, reject) => {
    const detach = whenStopped(signal, reject);
    lookup(host, { all: true }).then(
      (records) => {
        detach();
        resolve(records.map((record) => record.address));
      },
      (error: unknown) => {
        detach();
        reject(fail("DNS_FAILURE", `cannot resolve host name (${codeOf(error)})`, error));
      },
    );
  });
  if (host.toLowerCase() === "localhost") {
    // /etc/hosts often maps localhost to 127.0.0.1 only, while guacd binds ::1 by default.
    for (const loopback of ["::1", "127.0.0.1"])
      if (!found.includes(loopback)) found.push(loopback);
  }
  return found;
}

function openTcp(address: string, port: number, signal: AbortSignal, fail: Fail): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = tcpConnect({
      host: address,
      port,
      noDelay: true,
      allowHalfOpen: false,
      // Node's own buffer in front of ours: 1 byte means it stops reading after one read.
      readableHighWaterMark: 1,
    } as NetConnectOpts);
    const detach = whenStopped(signal, (reason) => {
      socket.off("error", onError);
      socket.destroy();
      reject(reason);
    });
    const onError = (error: Error): void => {
      detach();
      socket.destroy();
      reject(classifyConnectError(error, address, fail));
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      detach();
      socket.off("error", onError);
      resolve(socket);
    });
  });
}

function startTls(
  socket: Socket,
  host: string,
  options: NodeTlsOptions,
  signal: AbortSignal,
  fail: Fail,
): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    const servername = options.servername ?? (isIP(host) === 0 ? host : undefined);
    const tlsSocket = tlsConnect({
      socket,
      host,
      ...(servername === undefined ? {} : { servername }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      ...(options.cert === undefined ? {} : { cert: options.cert }),
      ...(options.key === undefined ? {} : { key: options.key }),
      ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
      minVersion: options.minVersion ?? "TLSv1.2",
      rejectUnauthorized: true,
      // As for TCP: keep Node's own read buffer to one read. (Writes wait for their callback, so
      // the writable side of this mark only changes write()'s return value, which we ignore.)
      highWaterMark: 1,
    } as ConnectionOptions);
    const detach = whenStopped(signal, (reason) => {
      tlsSocket.off("error", onError);
      tlsSocket.destroy();
      socket.destroy();
      reject(reason);
    });
    const onError = (error: Error): void => {
      detach();
      tlsSocket.destroy();
      socket.destroy();
      reject(
        fail("TLS_FAILURE", `TLS handshake failed: ${error.message}`, error, socket.remoteAddress),
      );
    };
    tlsSocket.once("error", onError);
    tlsSocket.once("secureConnect", () => {
      detach();
      tlsSocket.off("error", onError);
      resolve(tlsSocket);
    });
  });
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(error);
}

function classifyConnectError(error: Error, address: string, fail: Fail): GuacdConnectionError {
  const code = codeOf(error);
  switch (code) {
    case "ECONNREFUSED":
      return fail("CONNECTION_REFUSED", "connection refused", error, address);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NONAME":
      return fail("DNS_FAILURE", `cannot resolve host name (${code})`, error, address);
    case "ECONNRESET":
      return fail("RESET", "connection reset by peer", error, address);
    case "ETIMEDOUT":
      return fail("CONNECT_TIMEOUT", "timed out (ETIMEDOUT)", error, address);
    default:
      return fail("NETWORK", `${error.message}`, error, address);
  }
}

function classifyIoError(
  error: Error,
  host: string,
  port: number,
  action: string,
): GuacdConnectionError {
  const code = codeOf(error);
  const reset = code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED";
  const closed = code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END";
  // A TLS alert after the handshake, e.g. the server wanted a client certificate (TLS 1.3).
  const tls = code.startsWith("ERR_SSL_");
  return new GuacdConnectionError({
    code: reset ? "RESET" : closed ? "CLOSED" : tls ? "TLS_FAILURE" : "NETWORK",
    host,
    port,
    action,
    reason: reset
      ? "connection reset by peer"
      : closed
        ? "connection closed"
        : tls
          ? `TLS failure: ${error.message}`
          : error.message,
    cause: error,
  });
}

/** The socket, seen as web streams. Everything here is glue; there is no protocol logic. */
class NodeGuacdConnection implements GuacdConnection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly closed: Promise<GuacdConnectionError | undefined>;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly encrypted: boolean;
  #socket: Socket;
  #host: string;
  #port: number;
  #error: GuacdConnectionError | undefined;
  #readableController!: ReadableByteStreamController;
  #writableController!: WritableStreamDefaultController;
  #readableDone = false;
  #bytesRead = 0;
  #bytesWritten = 0;
  #closing: Promise<void> | undefined;

  constructor(
    socket: Socket,
    host: string,
    port: number,
    highWaterMark: number,
    encrypted: boolean,
  ) {
    this.#socket = socket;
    this.#host = host;
    this.#port = port;
    this.encrypted = encrypted;
    this.remoteAddress = socket.remoteAddress ?? "";
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = socket.localAddress ?? "";
    this.localPort = socket.localPort ?? 0;

    this.readable = new ReadableStream(
      {
        type: "bytes",
        start: (controller) => {
          this.#readableController = controller;
        },
        // The consumer made room: let the socket deliver again.
        pull: () => {
          socket.resume();
        },
        // Nobody wants guacd's bytes any more: the connection is useless, close it.
        cancel: () => {
          this.#readableDone = true;
          socket.destroy();
        },
      },
      { highWaterMark },
    );
    this.writable = new WritableStream<Uint8Array>({
      start: (controller) => {
        this.#writableController = controller;
      },
      write: (chunk) => this.#write(chunk),
      // Half-close (FIN). 'close' too, because a destroyed socket never emits 'finish'.
      close: () =>
        new Promise<void>((resolve, reject) => {
          if (socket.destroyed) {
            reject(this.#error ?? this.#ioError("CLOSED", "write to", "connection closed"));
            return;
          }
          const done = (): void => {
            socket.off("finish", done);
            socket.off("close", done);
            resolve();
          };
          socket.once("finish", done);
          socket.once("close", done);
          socket.end();
        }),
      abort: () => {
        socket.destroy();
      },
    });

    let settle!: (value: GuacdConnectionError | undefined) => void;
    this.closed = new Promise((resolve) => {
      settle = resolve;
    });
    socket.pause();
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    // Node emits a fatal TLS alert as 'error' and then 'end': an error seen first wins.
    socket.on("end", () =>
      this.#error === undefined ? this.#endReadable() : this.#failReadable(),
    );
    socket.on("error", (error) => {
      this.#error ??= classifyIoError(error, host, port, "read from");
    });
    socket.once("close", () => {
      const error = this.#error;
      if (error === undefined) this.#endReadable();
      else this.#failReadable();
      this.#writableController.error(
        error ?? this.#ioError("CLOSED", "write to", "connection closed"),
      );
      settle(error);
    });
  }

  get bytesRead(): number {
    return this.#bytesRead;
  }

  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (this.#socket.closed) resolve();
      else {
        this.#socket.once("close", () => resolve());
        this.#socket.destroy();
      }
    });
    return this.#closing;
  }

  #onData(chunk: Buffer): void {
    if (this.#readableDone) return;
    this.#bytesRead += chunk.byteLength;
    // A byte stream takes ownership of (detaches) the chunk's ArrayBuffer. Node gives each read
    // its own ArrayBuffer; anything else (a pooled slice) is copied so no other Buffer is harmed.
    const owned = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
    const view = owned
      ? new Uint8Array(chunk.buffer as ArrayBuffer, 0, chunk.byteLength)
      : new Uint8Array(chunk);
    const controller = this.#readableController;
    controller.enqueue(view);
    if ((controller.desiredSize ?? 0) <= 0) this.#socket.pause();
  }

  #endReadable(): void {
    if (this.#readableDone) return;
    this.#readableDone = true;
    this.#readableController.close();
    // close() leaves a pending BYOB read unanswered; answer it with end of stream.
    this.#readableController.byobRequest?.respond(0);
  }

  #failReadable(): void {
    if (this.#readableDone || this.#error === undefined) return;
    this.#readableDone = true;
    this.#readableController.error(this.#error);
  }

  #write(chunk: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (!(chunk instanceof Uint8Array)) {
      return Promise.reject(new TypeError("Cannot write to guacd: chunk is not a Uint8Array"));
    }
    if (socket.destroyed || socket.writableEnded) {
      return Promise.reject(
        this.#error ?? this.#ioError("CLOSED", "write to", "connection closed"),
      );
    }
    return new Promise<void>((resolve, reject) => {
      // The callback runs once the kernel has taken the bytes (or the write failed).
      socket.write(chunk, (error) => {
        if (error) reject(classifyIoError(error, this.#host, this.#port, "write to"));
        else if (socket.destroyed) {
          // Node reports writes cancelled by destroy() as successful; they were not taken.
          reject(this.#error ?? this.#ioError("CLOSED", "write to", "connection closed"));
        } else {
          this.#bytesWritten += chunk.byteLength;
          resolve();
        }
      });
    });
  }

  #ioError(code: GuacdConnectionErrorCode, action: string, reason: string): GuacdConnectionError {
    return new GuacdConnectionError({ code, host: this.#host, port: this.#port, action, reason });
  }
}
