// What Deno.serve and Deno.upgradeWebSocket do not bound, bounded in front of them: the Deno
// broker listens here, and each TCP connection is relayed to Deno.serve on a loopback port. The
// relay holds a connection's bytes, so it can cut what the runtime cannot: headers that trickle,
// idle connections, WebSocket frames over the message limit (before Deno buffers them), and a
// closed socket whose peer never answers (Deno's WebSocket has no `terminate`).

/** Options of {@link ConnectionGuard}. */
export interface ConnectionGuardOptions {
  /** The public address. */
  readonly hostname: string;
  readonly port: number;
  /** Milliseconds for a connection's first request headers. */
  readonly headersTimeout: number;
  /** Milliseconds a connection that is not a WebSocket may stay silent both ways. */
  readonly idleTimeout: number;
  /**
   * Milliseconds a connection that is not a WebSocket may live, one period at a time: it gets
   * another period only while its answers move ({@link ConnectionGuardOptions.minBytesPerLifetime}
   * sent to the peer in the last one), so a long download lives and a trickle does not.
   * @default {60000}
   */
  readonly maxLifetime?: number;
  /** Bytes sent to the peer in one lifetime period that earn the connection another. @default {1048576} */
  readonly minBytesPerLifetime?: number;
  /** Bytes of request headers. @default {16384} */
  readonly maxHeaderBytes?: number;
  /** Bytes of one WebSocket message from the peer, all its fragments together. */
  readonly maxMessageBytes: number;
  /** Frames of one WebSocket message from the peer. @default {1024} */
  readonly maxFragments?: number;
  /** WebSocket pings a second from the peer (browsers send none). @default {10} */
  readonly maxPingsPerSecond?: number;
  /**
   * New connections a second from one address (twice as many at once); past it a connection is
   * closed as it is accepted, before it is relayed. @default {20}
   */
  readonly connectionsPerSecond?: number;
  /** Told why a connection was cut. */
  readonly onCut?: (address: string, why: string) => void;
  /** The timers each connection's bounds run on (tests pass their own). @default {globalThis} */
  readonly timers?: Timers;
}

/** Timers as `setTimeout` / `clearTimeout`. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): number;
  clearTimeout(id: number | undefined): void;
}

/** One relayed connection, as the handler behind the guard sees it. */
export interface GuardedConnection {
  /** The peer's address (Deno.serve only sees the guard's). */
  readonly address: string;
  /** Drops both sides now. */
  destroy(why: string): void;
  /** Whether the guard cut the connection for breaking a WebSocket frame bound. */
  readonly brokeBound: boolean;
}

import { ConnectionRate } from "../demo-page/connection-rate.ts";
import { FrameBounds } from "../demo-page/frame-bounds.ts";

const CRLFCRLF = [13, 10, 13, 10];
const SWITCHING = new TextEncoder().encode("HTTP/1.1 101");

/**
 * Listens on the public address and relays each connection to `upstream` (Deno.serve on
 * loopback). {@link ConnectionGuard.peerOf} maps the relay's side of a connection (the handler's
 * `info.remoteAddr.port`) back to the peer.
 */
export class ConnectionGuard {
  readonly #options: ConnectionGuardOptions;
  readonly #byLocalPort = new Map<number, Relay>();
  #listener: Deno.TcpListener | undefined;
  #onEmpty: (() => void) | undefined;
  readonly #rate: ConnectionRate;

  constructor(options: ConnectionGuardOptions) {
    this.#options = options;
    this.#rate = new ConnectionRate({ perSecond: options.connectionsPerSecond ?? 20 });
  }

  /** Starts relaying to `upstream`; returns the port it listens on. */
  listen(upstream: { hostname: string; port: number }): number {
    const listener = Deno.listen({ hostname: this.#options.hostname, port: this.#options.port });
    this.#listener = listener;
    void (async () => {
      for await (const conn of listener) {
        if (this.#rate.take((conn.remoteAddr as Deno.NetAddr).hostname)) {
          void this.#relay(conn, upstream);
        } else {
          conn.close();
        }
      }
    })().catch(() => {});
    return (listener.addr as Deno.NetAddr).port;
  }

  /** The peer behind the handler's `info.remoteAddr.port`. */
  peerOf(relayPort: number): GuardedConnection | undefined {
    return this.#byLocalPort.get(relayPort);
  }

  /**
   * Stops listening; the open connections get up to `grace` ms to end by themselves (a close
   * frame still on its way to a browser), then the rest are dropped.
   */
  async close(grace = 0): Promise<void> {
    this.#listener?.close();
    this.#listener = undefined;
    if (grace > 0 && this.#byLocalPort.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#onEmpty = resolve;
        timer = setTimeout(resolve, grace);
      });
      clearTimeout(timer);
    }
    for (const relay of this.#byLocalPort.values()) relay.destroy("shutdown");
  }

  async #relay(conn: Deno.TcpConn, upstream: { hostname: string; port: number }): Promise<void> {
    let inner: Deno.TcpConn;
    try {
      inner = await Deno.connect({ hostname: upstream.hostname, port: upstream.port });
    } catch {
      conn.close();
      return;
    }
    const localPort = (inner.localAddr as Deno.NetAddr).port;
    const relay = new Relay(conn, inner, this.#options, () => {
      this.#byLocalPort.delete(localPort);
      if (this.#byLocalPort.size === 0) this.#onEmpty?.();
    });
    this.#byLocalPort.set(localPort, relay);
    relay.run();
  }
}

/** One connection: the peer, the relay's connection to Deno.serve, and the bounds between. */
class Relay implements GuardedConnection {
  readonly address: string;
  readonly #peer: Deno.TcpConn;
  readonly #inner: Deno.TcpConn;
  readonly #options: ConnectionGuardOptions;
  readonly #forget: () => void;
  #closed = false;
  brokeBound = false;
  #websocket = false;
  #headerBytes = 0;
  #headerMatch = 0;
  #headersDone = false;
  // The first request's head, to see whether it asks for an upgrade (at most maxHeaderBytes).
  #head = "";
  #upgradeAsked = false;
  // Bytes of a refused upgrade's answer still to relay before the connection is dropped.
  #refusalLeft: number | undefined;
  readonly #clock: Timers;
  #timers: number[] = [];
  // Bytes relayed to the peer, in all and when the current lifetime period began.
  #sent = 0;
  #sentAtPeriod = 0;
  #idle: number | undefined;
  readonly #frames = new FrameBounds();

  constructor(
    peer: Deno.TcpConn,
    inner: Deno.TcpConn,
    options: ConnectionGuardOptions,
    forget: () => void,
  ) {
    this.#peer = peer;
    this.#inner = inner;
    this.#options = options;
    this.#forget = forget;
    this.#clock = options.timers ?? globalThis;
    this.address = (peer.remoteAddr as Deno.NetAddr).hostname;
  }

  run(): void {
    const o = this.#options;
    this.#timers.push(
      this.#clock.setTimeout(() => {
        if (!this.#headersDone) this.destroy("headers too slow");
      }, o.headersTimeout),
    );
    this.#lifetime(o.maxLifetime ?? 60_000, o.minBytesPerLifetime ?? 1024 * 1024);
    this.#touch();
    void this.#pump(this.#peer, this.#inner, true);
    void this.#pump(this.#inner, this.#peer, false);
  }

  destroy(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    if (why !== "closed" && why !== "shutdown") this.#options.onCut?.(this.address, why);
    for (const t of this.#timers) this.#clock.clearTimeout(t);
    if (this.#idle !== undefined) this.#clock.clearTimeout(this.#idle);
    for (const c of [this.#peer, this.#inner]) {
      try {
        c.close();
      } catch {
        // Closed already.
      }
    }
    this.#forget();
  }

  #lifetime(period: number, minBytes: number): void {
    this.#timers.push(
      this.#clock.setTimeout(() => {
        if (this.#websocket || this.#closed) return;
        if (this.#sent - this.#sentAtPeriod < minBytes) {
          return this.destroy("lived too long without an upgrade");
        }
        this.#sentAtPeriod = this.#sent;
        this.#lifetime(period, minBytes);
      }, period),
    );
  }

  #touch(): void {
    if (this.#idle !== undefined) this.#clock.clearTimeout(this.#idle);
    if (this.#websocket || this.#closed) return;
    this.#idle = this.#clock.setTimeout(() => this.destroy("idle"), this.#options.idleTimeout);
  }

  async #pump(from: Deno.TcpConn, to: Deno.TcpConn, fromPeer: boolean): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null || this.#closed) break;
        const chunk = buffer.subarray(0, n);
        this.#touch();
        const fault = fromPeer ? this.#checkPeer(chunk) : this.#checkServer(chunk);
        if (fault !== undefined) {
          this.brokeBound = this.#websocket;
          return this.destroy(fault);
        }
        // Counted as handed over: with a slow reader, the next read waits for this write.
        if (!fromPeer) this.#sent += n;
        for (let off = 0; off < n; ) off += await to.write(chunk.subarray(off));
        if (!fromPeer && this.#refusalLeft !== undefined) {
          this.#refusalLeft -= n;
          if (this.#refusalLeft <= 0) return this.destroy("upgrade refused");
        }
      }
    } catch {
      // Reset or closed: the other pump sees it too.
    }
    this.destroy("closed");
  }

  #checkServer(chunk: Uint8Array): string | undefined {
    if (this.#websocket) return undefined;
    if (startsWith(chunk, SWITCHING)) {
      this.#websocket = true;
      if (this.#idle !== undefined) this.#clock.clearTimeout(this.#idle);
    } else if (this.#upgradeAsked && this.#refusalLeft === undefined) {
      // An upgrade refused (a bad token, a cap): once its answer, head and body, is relayed the
      // connection is dropped, so whatever the peer sends after its request is read no longer.
      // An answer of unknown length is cut after the chunk that carries its head.
      const head = latin1(chunk);
      const end = head.indexOf("\r\n\r\n");
      const length = end < 0 ? undefined : CONTENT_LENGTH.exec(head.slice(0, end))?.[1];
      this.#refusalLeft = length === undefined ? 0 : end + 4 + Number(length);
    }
    return undefined;
  }

  #checkPeer(chunk: Uint8Array): string | undefined {
    if (this.#websocket) {
      return this.#frames.push(
        chunk,
        this.#options.maxMessageBytes,
        this.#options.maxFragments ?? 1024,
        this.#options.maxPingsPerSecond ?? 10,
      );
    }
    if (this.#headersDone) return undefined;
    for (let k = 0; k < chunk.length; k++) {
      const byte = chunk[k]!;
      this.#headerBytes++;
      this.#headerMatch =
        byte === CRLFCRLF[this.#headerMatch] ? this.#headerMatch + 1 : byte === 13 ? 1 : 0;
      if (this.#headerMatch === 4) {
        this.#headersDone = true;
        this.#upgradeAsked = UPGRADE.test(this.#head + latin1(chunk.subarray(0, k + 1)));
        this.#head = "";
        return undefined;
      }
    }
    this.#head += latin1(chunk);
    return this.#headerBytes > (this.#options.maxHeaderBytes ?? 16384)
      ? "headers too large"
      : undefined;
  }
}

const UPGRADE = /\r\nupgrade:[ \t]*websocket/i;
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const LATIN1 = new TextDecoder("latin1");

function latin1(bytes: Uint8Array): string {
  return LATIN1.decode(bytes);
}

function startsWith(chunk: Uint8Array, prefix: Uint8Array): boolean {
  if (chunk.length < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (chunk[k] !== prefix[k]) return false;
  return true;
}
