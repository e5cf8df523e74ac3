import { lookup } from "node:dns/promises";
import { isIP, type NetConnectOpts, type Socket, connect as tcpConnect } from "node:net";
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from "node:tls";
import {
  type ConnectAttempt,
  connectAttempt,
  connectFailure,
  dialAddresses,
  firstReachable,
  type GuacdConnection,
  SocketConnection,
  type SocketFault,
  whenStopped,
} from "@guacstream/codec/transport";
import type { ConnectOptions, NodeTlsOptions } from "./options.ts";

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
    const addresses = await dialAddresses(attempt.host, (host) => lookupHost(attempt, host));
    const socket = await firstReachable(attempt, addresses, (address) => openTcp(attempt, address));
    if (options.tls === undefined || options.tls === false) {
      return new NodeGuacdConnection(socket, attempt, false);
    }
    const tlsOptions = options.tls === true ? {} : options.tls;
    const tlsSocket = await startTls(attempt, socket, tlsOptions);
    return new NodeGuacdConnection(tlsSocket, attempt, true);
  });
}

/** Every address of a host name (each is tried in turn); an IP address as it is. */
function lookupHost({ signal, fail }: ConnectAttempt, host: string): Promise<string[]> {
  if (isIP(host) !== 0) return Promise.resolve([host]);
  return new Promise<string[]>((resolve, reject) => {
    const detach = whenStopped(signal, reject);
    lookup(host, { all: true }).then(
      (records) => {
        detach();
        resolve(records.map((record) => record.address));
      },
      (error: unknown) => {
        detach();
        reject(connectFailure(fail, "dns", error, undefined, codeOf(error)));
      },
    );
  });
}

function openTcp({ port, signal, fail }: ConnectAttempt, address: string): Promise<Socket> {
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
      const code = codeOf(error);
      const fault = faultOfCode(code);
      reject(connectFailure(fail, fault, error, address, fault === "dns" ? code : undefined));
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
  { host, signal, fail }: ConnectAttempt,
  socket: Socket,
  options: NodeTlsOptions,
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
      reject(connectFailure(fail, "tls", error, socket.remoteAddress));
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

/** Node's error codes (`error.code`) that name a fault; any other is a network error. */
const FAULTS: Readonly<Record<string, SocketFault>> = {
  ECONNREFUSED: "refused",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_FAIL: "dns",
  EAI_NONAME: "dns",
  ECONNRESET: "reset",
  EPIPE: "reset",
  ECONNABORTED: "reset",
  ETIMEDOUT: "timeout",
  ERR_STREAM_DESTROYED: "closed",
  ERR_STREAM_WRITE_AFTER_END: "closed",
};

function faultOfCode(code: string): SocketFault {
  // A TLS alert after the handshake, e.g. the server wanted a client certificate (TLS 1.3).
  return FAULTS[code] ?? (code.startsWith("ERR_SSL_") ? "tls" : "network");
}

/** A Node socket under the shared streams: data events push, `pull` resumes. */
class NodeGuacdConnection extends SocketConnection {
  #socket: Socket;

  constructor(socket: Socket, attempt: ConnectAttempt, encrypted: boolean) {
    super(attempt, {
      encrypted,
      remoteAddress: socket.remoteAddress ?? "",
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? "",
      localPort: socket.localPort ?? 0,
    });
    this.#socket = socket;
    socket.pause();
    socket.on("data", (chunk: Buffer) => {
      if (!this.readableDone && !this.deliver(ownedView(chunk))) socket.pause();
    });
    // Node emits a fatal TLS alert as 'error' and then 'end': the error is recorded first.
    socket.on("end", () => this.endReadable());
    socket.on("error", (error) => {
      this.recordFailure(this.ioError(faultOfCode(codeOf(error)), error, "read from"));
    });
    socket.once("close", () => this.finish());
  }

  protected pullSocket(): void {
    this.#socket.resume();
  }

  protected destroySocket(): void {
    this.#socket.destroy();
  }

  protected endSocketWrite(): Promise<void> {
    const socket = this.#socket;
    return new Promise<void>((resolve, reject) => {
      if (socket.destroyed) return reject(this.failure ?? this.closedError());
      // 'close' too, because a destroyed socket never emits 'finish'.
      const done = (): void => {
        socket.off("finish", done);
        socket.off("close", done);
        resolve();
      };
      socket.once("finish", done);
      socket.once("close", done);
      socket.end();
    });
  }

  protected writeSocket(chunk: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed || socket.writableEnded) {
      return Promise.reject(this.failure ?? this.closedError());
    }
    return new Promise<void>((resolve, reject) => {
      // The callback runs once the kernel has taken the bytes (or the write failed).
      socket.write(chunk, (error) => {
        if (error) reject(this.ioError(faultOfCode(codeOf(error)), error, "write to"));
        // Node reports writes cancelled by destroy() as successful; they were not taken.
        else if (socket.destroyed) reject(this.failure ?? this.closedError());
        else resolve();
      });
    });
  }
}

/**
 * A byte stream takes ownership of (detaches) the chunk's ArrayBuffer. Node gives each read its
 * own ArrayBuffer; anything else (a pooled slice) is copied so no other Buffer is harmed.
 */
function ownedView(chunk: Buffer): Uint8Array<ArrayBuffer> {
  const owned = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
  return owned
    ? new Uint8Array(chunk.buffer as ArrayBuffer, 0, chunk.byteLength)
    : new Uint8Array(chunk);
}
