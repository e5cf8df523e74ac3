/**
 * One end-to-end session per client kind, each doing the same handshake round trips and reading
 * until guacd ends the session, the byte budget is reached, or the target's session time is up.
 * Every kind answers `sync` (guacd throttles, then cuts, a client that does not), and every
 * session is registered in `openSessions` until it has closed, so an interrupt can end it.
 */
import { type Socket, connect as tcpConnect } from "node:net";
import { connect, connectGuacamole, type GuacdConnection } from "@guacstream/transport-node";
import { do_not_optimize } from "mitata";
import { openSessions } from "../harness/open-sessions.ts";
import { HandshakeWatcher, restBytes, type SessionRequest, selectBytes } from "./handshake.ts";
import { type Mode, readerAfterHandshake, type SessionReader } from "./rounds.ts";
import { SyncEchoScanner, syncReply } from "./sync-echo.ts";

export { MODES, type Mode } from "./rounds.ts";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface SessionLimits {
  /** Stop reading (and close) once this many bytes arrived. */
  readonly budgetBytes: number;
  /** Stop reading (and close) after this long; unset: no time limit. */
  readonly sessionMs: number | undefined;
}

export interface SessionCount {
  /** Bytes received, handshake included. */
  bytes: number;
  /** Instructions read after the handshake; NaN for the byte-only kinds. */
  instructions: number;
}

/** A bare node:net socket after a hand-written handshake; `bytes` counts what it received. */
export interface BareSession {
  readonly socket: Socket;
  bytes: number;
  /** From the connect call to `ready`. */
  readyMs: number;
  /** Settles when the socket has closed. */
  readonly closed: Promise<void>;
}

const DISCONNECT = new TextEncoder().encode("10.disconnect;");

/**
 * Opens a bare socket and handshakes by hand; resolves at `ready`. The floor for every client: after
 * `ready` it only counts bytes and echoes `sync` through `SyncEchoScanner` (a `sync` in the very
 * read that carried `ready` is left to the next one's echo, which confirms it too).
 */
export function bareConnect(to: Endpoint, request: SessionRequest): Promise<BareSession> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const watcher = new HandshakeWatcher();
    let phase: "args" | "ready" | "session" = "args";
    const socket = tcpConnect({ host: to.host, port: to.port, noDelay: true }, () => {
      socket.write(selectBytes(request));
    });
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    const untrack = openSessions.track(async () => {
      if (!socket.destroyed) socket.end(DISCONNECT);
      setTimeout(() => socket.destroy(), 1000).unref();
      await closed;
    });
    void closed.then(untrack);
    const session: BareSession = { socket, bytes: 0, readyMs: 0, closed };
    const scanner = new SyncEchoScanner((ts) => {
      if (socket.writable) socket.write(syncReply(ts));
    });
    socket.on("data", (data: Buffer) => {
      session.bytes += data.length;
      if (phase === "session") {
        scanner.push(data);
        return;
      }
      try {
        watcher.push(data);
      } catch (error) {
        socket.destroy();
        reject(error);
        return;
      }
      if (phase === "args" && watcher.args !== undefined) {
        phase = "ready";
        socket.write(restBytes(watcher.args, request));
      }
      if (phase === "ready" && watcher.ready !== undefined) {
        phase = "session";
        session.readyMs = performance.now() - start;
        resolve(session);
      }
    });
    socket.on("error", (error) => {
      if (phase !== "session") reject(error);
    });
    socket.on("end", () => {
      if (phase !== "session") reject(new Error("Cannot complete the handshake: guacd closed"));
      socket.end();
    });
  });
}

/**
 * Opens the Node transport, handshakes by hand on its web streams (up to `args`; `ready` is left
 * in the stream), and returns a reader on the rest through `mode`'s stream.
 */
export async function transportConnect(
  mode: "transport" | "transport+frame" | "transport+decode",
  to: Endpoint,
  request: SessionRequest,
): Promise<{ conn: GuacdConnection; reader: SessionReader }> {
  const conn = await connect({ host: to.host, port: to.port });
  const untrack = openSessions.track(() => conn.close().catch(() => {}));
  void conn.closed.then(untrack, untrack);
  try {
    const reader = await readerAfterHandshake(conn, mode, request);
    return { conn, reader };
  } catch (error) {
    await conn.close().catch(() => {});
    throw error;
  }
}

/** One session of `mode` against `to`; see the file comment for when it stops. */
export async function session(
  mode: Mode,
  to: Endpoint,
  request: SessionRequest,
  limits: SessionLimits,
): Promise<SessionCount> {
  if (mode === "socket") {
    const bare = await bareConnect(to, request);
    const stop = (): void => {
      bare.socket.destroy();
    };
    const timer = limits.sessionMs === undefined ? undefined : setTimeout(stop, limits.sessionMs);
    const check = (): void => {
      if (bare.bytes >= limits.budgetBytes) stop();
    };
    bare.socket.on("data", check);
    check();
    await bare.closed;
    clearTimeout(timer);
    return { bytes: bare.bytes, instructions: Number.NaN };
  }
  if (mode === "client") {
    const client = await connectGuacamole({
      host: to.host,
      port: to.port,
      protocol: request.protocol,
      parameters: request.parameters,
    });
    const untrack = openSessions.track(() => client.close());
    const reader = client.instructions.getReader();
    let instructions = 0;
    try {
      instructions = await readWithin(reader, () => client.connection.bytesRead, limits);
    } finally {
      await client.close();
      untrack();
    }
    return { bytes: client.connection.bytesRead, instructions };
  }
  const { conn, reader } = await transportConnect(mode, to, request);
  let instructions = 0;
  try {
    instructions = await readWithin(reader, () => conn.bytesRead, limits);
  } finally {
    await conn.close().catch(() => {});
  }
  const bytes = conn.bytesRead;
  return { bytes, instructions: mode === "transport" ? Number.NaN : instructions };
}

/** Reads chunks until the stream ends, `bytesRead()` reaches the budget or the time limit passes; returns the count. */
async function readWithin(
  reader: { read(): Promise<{ done: boolean; value?: unknown }>; cancel(): Promise<void> },
  bytesRead: () => number,
  limits: SessionLimits,
): Promise<number> {
  const timer =
    limits.sessionMs === undefined
      ? undefined
      : setTimeout(() => void reader.cancel(), limits.sessionMs);
  let count = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      count++;
      do_not_optimize(value);
      if (bytesRead() >= limits.budgetBytes) {
        await reader.cancel();
        break;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  return count;
}
