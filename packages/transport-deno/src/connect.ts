import {
  type ConnectAttempt,
  connectAttempt,
  connectFailure,
  dialAddresses,
  firstReachable,
  type GuacdConnection,
  SocketConnection,
  type SocketFault,
  unbracketHost,
  whenStopped,
} from "@guacstream/codec/transport";
import type { ConnectOptions, DenoTlsOptions } from "./options.ts";

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
    const tls = options.tls === true ? {} : options.tls === false ? undefined : options.tls;
    if (tls?.cert !== undefined || tls?.key !== undefined) {
      return new DenoGuacdConnection(await connectMutualTls(attempt, tls), attempt, true);
    }
    const tcp = await openTcp(attempt);
    if (tls === undefined) return new DenoGuacdConnection(tcp, attempt, false);
    const conn = await startTls(attempt, tcp, tls);
    return new DenoGuacdConnection(conn, attempt, true);
  });
}

async function openTcp(attempt: ConnectAttempt): Promise<Deno.TcpConn> {
  const { host, port, signal, fail } = attempt;
  // Deno.connect resolves a name itself.
  const addresses = await dialAddresses(host, async (name) => [name]);
  return firstReachable(attempt, addresses, async (address) => {
    try {
      const conn = await Deno.connect({ hostname: address, port, signal });
      conn.setNoDelay(true);
      return conn;
    } catch (error) {
      throw connectFailure(fail, faultOf(error), error, address);
    }
  });
}

async function startTls(
  attempt: ConnectAttempt,
  tcp: Deno.TcpConn,
  options: DenoTlsOptions,
): Promise<Deno.TlsConn> {
  const { host, signal, fail } = attempt;
  let conn: Deno.TlsConn | undefined;
  // A handshake cannot be cancelled, but closing the socket under it ends it at once.
  const detach = whenStopped(signal, () => closeQuietly(conn ?? tcp));
  try {
    conn = await Deno.startTls(tcp, {
      hostname: options.hostname ?? unbracketHost(host),
      ...(options.caCerts === undefined ? {} : { caCerts: options.caCerts }),
    });
    await conn.handshake();
    return conn;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    closeQuietly(conn ?? tcp);
    throw connectFailure(fail, "tls", error);
  } finally {
    detach();
  }
}

async function connectMutualTls(
  { host, port, signal, fail }: ConnectAttempt,
  options: DenoTlsOptions,
): Promise<Deno.TlsConn> {
  if (options.cert === undefined || options.key === undefined) {
    throw new TypeError("Cannot connect to guacd: a client certificate needs both cert and key");
  }
  const hostname = options.hostname ?? unbracketHost(host);
  const connecting = Deno.connectTls({
    hostname,
    port,
    cert: options.cert,
    key: options.key,
    ...(options.caCerts === undefined ? {} : { caCerts: options.caCerts }),
  });
  // Deno.connectTls takes no signal: settle at once on a stop, and close what connects later.
  let detach = (): void => {};
  const stopped = new Promise<never>((_, reject) => {
    detach = whenStopped(signal, reject);
  });
  try {
    let conn: Deno.TlsConn;
    try {
      conn = await Promise.race([connecting, stopped]);
    } catch (error) {
      if (!signal.aborted) throw connectFailure(fail, faultOf(error), error, hostname);
      connecting.then(closeQuietly, () => {});
      throw signal.reason;
    }
    try {
      await Promise.race([conn.handshake(), stopped]);
      return conn;
    } catch (error) {
      closeQuietly(conn);
      throw signal.aborted ? signal.reason : connectFailure(fail, "tls", error);
    }
  } finally {
    detach();
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

/** Deno's error classes, as the shared fault table knows them. */
function faultOf(error: unknown): SocketFault {
  if (error instanceof Deno.errors.ConnectionRefused) return "refused";
  if (
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted
  ) {
    return "reset";
  }
  if (error instanceof Deno.errors.TimedOut) return "timeout";
  // Deno reports resolver failures as a plain Error (getaddrinfo's text) or NotFound.
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Deno.errors.NotFound || /lookup address|resolve|dns/i.test(message)) {
    return "dns";
  }
  return error instanceof Deno.errors.InvalidData ? "tls" : "network";
}

/** A Deno connection under the shared streams: each pull is one read, BYOB ones in place. */
class DenoGuacdConnection extends SocketConnection {
  #conn: Deno.Conn;
  /** Deno's reader of the connection, from the first read that was not BYOB on. */
  #denoReader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>> | undefined;
  /** What a BYOB read left of Deno's last chunk. */
  #leftover: Uint8Array<ArrayBuffer> | undefined;

  constructor(conn: Deno.Conn, attempt: ConnectAttempt, encrypted: boolean) {
    const remote = conn.remoteAddr as Deno.NetAddr;
    const local = conn.localAddr as Deno.NetAddr;
    super(attempt, {
      encrypted,
      remoteAddress: remote.hostname,
      remotePort: remote.port,
      localAddress: local.hostname,
      localPort: local.port,
    });
    this.#conn = conn;
  }

  protected async pullSocket(controller: ReadableByteStreamController): Promise<void> {
    const request = controller.byobRequest;
    try {
      if (request?.view) {
        const view = request.view;
        const target = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
        if (this.#denoReader === undefined) {
          // A BYOB reader from the start: read straight into its buffer, no copy.
          const n = await this.#conn.read(target);
          return n === null ? this.#endOfStream() : this.respond(request, n);
        }
        // Deno's reader is in use (a default reader came first): keep its order, copy into the view.
        const chunk = this.#leftover ?? (await this.#readChunk());
        this.#leftover = undefined;
        if (chunk === undefined) return this.#endOfStream();
        const n = Math.min(chunk.byteLength, target.byteLength);
        target.set(chunk.subarray(0, n));
        if (n < chunk.byteLength) this.#leftover = chunk.slice(n);
        return this.respond(request, n);
      }
      // What a BYOB read left, else Deno's own read, each a fresh buffer handed over uncopied.
      const chunk = this.#leftover ?? (await this.#readChunk());
      this.#leftover = undefined;
      if (chunk === undefined) return this.#endOfStream();
      // A small read would pin Deno's whole read buffer while queued: copy it out instead.
      this.deliver(chunk.byteLength < chunk.buffer.byteLength / 2 ? chunk.slice() : chunk);
    } catch (error) {
      if (this.finished) return this.#endOfStream();
      this.#fail(error, "read from");
    }
  }

  async #readChunk(): Promise<Uint8Array<ArrayBuffer> | undefined> {
    this.#denoReader ??= this.#conn.readable.getReader();
    const { done, value } = await this.#denoReader.read();
    return done ? undefined : value;
  }

  #endOfStream(): void {
    this.endReadable();
    // As on Node: once guacd has finished sending, the connection is over.
    this.#shutdown();
  }

  protected async writeSocket(chunk: Uint8Array): Promise<void> {
    try {
      let offset = 0;
      while (offset < chunk.byteLength) {
        offset += await this.#conn.write(chunk.subarray(offset));
      }
    } catch (error) {
      if (this.finished) throw this.closedError();
      throw this.#fail(error, "write to");
    }
  }

  protected async endSocketWrite(): Promise<void> {
    try {
      if (!this.finished) await this.#conn.closeWrite();
    } catch (error) {
      throw this.#ioError(error, "write to");
    }
  }

  protected destroySocket(): void {
    this.#shutdown();
  }

  /** Closes the resource once, then ends both streams and settles `closed`. */
  #shutdown(): void {
    if (this.finished) return;
    closeQuietly(this.#conn);
    this.finish();
  }

  /** Records the socket's error as the failure that ends the connection, and ends it. */
  #fail(error: unknown, action: string) {
    const failure = this.#ioError(error, action);
    this.recordFailure(failure);
    this.#shutdown();
    return failure;
  }

  #ioError(error: unknown, action: string) {
    const fault = faultOf(error);
    // Only a TLS connection gets alerts: InvalidData on a plain one is just a network error.
    return this.ioError(fault === "tls" && !this.encrypted ? "network" : fault, error, action);
  }
}
