import {
  type LiveConnection,
  Session,
  type SessionHost,
  type SessionSettings,
} from "./_session.ts";
import { parseAll } from "./_wire.ts";
import { type Clock, systemClock } from "./clock.ts";
import { SimulatorError } from "./errors.ts";
import type { SimulatedFilesystem } from "./filesystem.ts";
import { defaultResolveSession, type Pace, type SessionContext, type SessionPlan } from "./plan.ts";
import { Recording } from "./recording.ts";
import { createReport, type SessionReport } from "./report.ts";

/**
 * Any byte duplex: a TCP socket adapted to web streams, one end of an in-memory pipe, a WebSocket
 * stream…
 */
export interface ByteDuplex {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/**
 * The recordings a simulator serves, as bytes (the core reads no files; `loadCorpus` in
 * `@guacstream/guacd-sim/node` reads them).
 */
export interface SimulatorCorpus {
  /** The `args` instruction guacd sends for each protocol (`handshake-args/<protocol>.args.guac`). */
  readonly args: Readonly<Record<string, Uint8Array>>;
  /** Server-to-client recordings by name (`vnc-desktop`, `errors/ssh-bad-password`, …). */
  readonly recordings: Readonly<Record<string, Uint8Array>>;
}

/** Options of {@linkcode GuacdSimulator}. */
export interface GuacdSimulatorOptions {
  /** The `args` and recordings to serve. */
  readonly corpus: SimulatorCorpus;
  /** Picks each session's plan after `connect`. @default {@linkcode defaultResolveSession} */
  readonly resolveSession?: (ctx: SessionContext) => SessionPlan;
  /** Replay speed when the plan does not say. @default "fast" */
  readonly pace?: Pace;
  /** Time allowed for each handshake instruction, as guacd's 15 s. @default 15000 */
  readonly handshakeTimeoutMs?: number;
  /**
   * After `ready`, the session is aborted with `error` 776 + `disconnect` when nothing at all
   * (`sync`, `nop`, anything) was received for this long, like guacd's client timeout.
   * @default 15000
   */
  readonly syncTimeoutMs?: number;
  /** A `nop` is sent after this long with nothing else sent, as libguac's keep-alive. @default 5000 */
  readonly nopIntervalMs?: number;
  /** While a finished replay is held open, a `sync` is sent this often (0: never). @default 1000 */
  readonly idleSyncIntervalMs?: number;
  /** Largest batch of recorded bytes written at once in fast pace. @default 65536 */
  readonly batchBytes?: number;
  /**
   * When the handshake fails after `select` (unknown protocol, malformed instruction, timeout),
   * guacd 1.6 keeps the socket open and silent: `"hold"` does the same, `"close"` closes it.
   * @default "hold"
   */
  readonly afterHandshakeFailure?: "hold" | "close";
  /** Stream index of the `clipboard` streams the simulator sends. @default 63 */
  readonly clipboardStream?: number;
  /**
   * Like guacd throttling a slow client: the replay stops sending frames while the client's
   * oldest unconfirmed `sync` is older than this many ms, and goes on once it catches up (a client
   * that sends nothing at all is then cut by `syncTimeoutMs`). @default Infinity (no throttle)
   */
  readonly throttleLagMs?: number;
  /**
   * At most this many sessions at once; a connection beyond it is turned away at once, nothing
   * sent (report reason `over-capacity`), as a guacd out of processes does. @default Infinity
   */
  readonly maxSessions?: number;
  /** How a connection over `maxSessions` is turned away: a TCP reset, or a close. @default "reset" */
  readonly overCapacity?: "reset" | "close";
  /**
   * The files a session sees when its `connect` turns on `enable-sftp` (or `enable-drive`), as
   * guacd exposes them: a `filesystem` object right after `ready`. Shared by every session.
   */
  readonly filesystem?: SimulatedFilesystem;
  /**
   * Where every timeout, interval and timestamp of the simulator comes from; a test passes its own
   * (or uses vitest's fake timers, which the default reaches) to run the timeouts without waiting.
   * @default {@linkcode systemClock}
   */
  readonly clock?: Clock;
}

/**
 * Options of {@linkcode GuacdSimulator.serve}.
 *
 * @example Abort a session
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacdSimulator } from "@guacstream/guacd-sim";
 * const sim = new GuacdSimulator({ corpus: { args: {}, recordings: {} } });
 * const a = new TransformStream<Uint8Array, Uint8Array>();
 * const b = new TransformStream<Uint8Array, Uint8Array>();
 * const controller = new AbortController();
 * const done = sim.serve({ readable: a.readable, writable: b.writable }, { signal: controller.signal });
 * controller.abort();
 * assert.equal((await done).end?.reason, "aborted");
 * ```
 */
export interface ServeOptions {
  /** Aborting closes the session at once (reason `aborted`, or the reason it was held open). */
  readonly signal?: AbortSignal;
}

/**
 * A guacd stand-in: answers the Guacamole handshake like guacd 1.6 and replays recorded sessions,
 * over any {@linkcode ByteDuplex}. Runtime-free (web streams and web APIs only).
 *
 * @example Serve one in-memory session
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacdSimulator } from "@guacstream/guacd-sim";
 * const args = new TextEncoder().encode("4.args,13.VERSION_1_5_0,8.hostname;");
 * const recording = new TextEncoder().encode("4.sync,2.10,1.0;10.disconnect;");
 * const sim = new GuacdSimulator({
 *   corpus: { args: { demo: args }, recordings: { hello: recording } },
 *   resolveSession: () => ({ recording: "hello" }),
 * });
 * const toServer = new TransformStream<Uint8Array, Uint8Array>();
 * const toClient = new TransformStream<Uint8Array, Uint8Array>();
 * const done = sim.serve({ readable: toServer.readable, writable: toClient.writable });
 * const writer = toServer.writable.getWriter();
 * await writer.write(new TextEncoder().encode("6.select,4.demo;7.connect,13.VERSION_1_5_0,1.h;"));
 * let text = "";
 * for await (const chunk of toClient.readable) text += new TextDecoder().decode(chunk);
 * assert.match(text, /5\.ready,37\.\$[0-9a-f-]{36};4\.sync,2\.10,1\.0;10\.disconnect;$/);
 * assert.equal((await done).end?.reason, "replay-complete");
 * ```
 */
export class GuacdSimulator {
  readonly #settings: SessionSettings;
  readonly #host: SessionHost;
  readonly #live = new Set<Session>();
  readonly #connections = new Map<string, LiveConnection>();
  readonly #argNames = new Map<string, readonly string[]>();
  readonly #reports: SessionReport[] = [];
  readonly #reportWaiters: (() => boolean)[] = [];
  readonly #maxSessions: number;
  readonly #overCapacity: "reset" | "close";
  #serial = 0;

  constructor(options: GuacdSimulatorOptions) {
    const positive = (name: string, value: number | undefined, fallback: number): number => {
      const v = value ?? fallback;
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new SimulatorError("bad-option", `Cannot create simulator: ${name} is ${v}`);
      }
      return v;
    };
    this.#settings = {
      pace: options.pace ?? "fast",
      handshakeTimeoutMs: positive("handshakeTimeoutMs", options.handshakeTimeoutMs, 15000),
      syncTimeoutMs: positive("syncTimeoutMs", options.syncTimeoutMs, 15000),
      nopIntervalMs: positive("nopIntervalMs", options.nopIntervalMs, 5000),
      idleSyncIntervalMs: positive("idleSyncIntervalMs", options.idleSyncIntervalMs, 1000),
      batchBytes: Math.max(1, positive("batchBytes", options.batchBytes, 65536)),
      hold: (options.afterHandshakeFailure ?? "hold") === "hold",
      clipboardStream: String(options.clipboardStream ?? 63),
      throttleLagMs: atLeastZero("throttleLagMs", options.throttleLagMs ?? Infinity),
      filesystem: options.filesystem,
      clock: options.clock ?? systemClock,
    };
    this.#maxSessions = atLeastZero("maxSessions", options.maxSessions ?? Infinity);
    this.#overCapacity = options.overCapacity ?? "reset";
    this.#host = {
      args: (protocol) =>
        Object.hasOwn(options.corpus.args, protocol) ? options.corpus.args[protocol] : undefined,
      argNames: (protocol, args) => {
        let names = this.#argNames.get(protocol);
        if (names === undefined) {
          names = parseAll(args).instructions[0]?.args ?? [];
          this.#argNames.set(protocol, names);
        }
        return names;
      },
      recording: (name) => {
        const bytes = Object.hasOwn(options.corpus.recordings, name)
          ? options.corpus.recordings[name]
          : undefined;
        if (bytes === undefined) {
          throw new SimulatorError(
            "unknown-recording",
            `Cannot replay: no recording named "${name}"`,
          );
        }
        return Recording.from(bytes);
      },
      resolve: (ctx: SessionContext): SessionPlan =>
        (options.resolveSession ?? defaultResolveSession)(ctx),
      connection: (id) => this.#connections.get(id),
      open: (id, protocol, owner) => {
        const connection: LiveConnection = { protocol, owner, users: new Set([owner]) };
        this.#connections.set(id, connection);
        return connection;
      },
      ended: (session) => this.#ended(session),
    };
  }

  /**
   * Serves one client over `duplex` until the socket closes. Resolves with the session's report;
   * rejects only when the plan cannot run (e.g. a {@linkcode SimulatorError} `unknown-recording`).
   *
   * @example Garbage is closed at once
   * ```ts
   * import assert from "node:assert/strict";
   * import { GuacdSimulator } from "@guacstream/guacd-sim";
   * const sim = new GuacdSimulator({ corpus: { args: {}, recordings: {} } });
   * const toServer = new TransformStream<Uint8Array, Uint8Array>();
   * const toClient = new TransformStream<Uint8Array, Uint8Array>();
   * const done = sim.serve({ readable: toServer.readable, writable: toClient.writable });
   * const writer = toServer.writable.getWriter();
   * await writer.write(new TextEncoder().encode("xyz;"));
   * assert.equal((await done).end?.reason, "malformed");
   * ```
   */
  serve(duplex: ByteDuplex, options: ServeOptions = {}): Promise<SessionReport> {
    const report = createReport(++this.#serial);
    const session = new Session(this.#host, this.#settings, duplex, report);
    if (this.#live.size >= this.#maxSessions) {
      this.#live.add(session);
      return session.refuse(this.#overCapacity);
    }
    this.#live.add(session);
    return session.run(options.signal);
  }

  /** Reports of the sessions still open, live objects. */
  get sessions(): readonly SessionReport[] {
    return [...this.#live].map((s) => s.report);
  }

  /** Reports of the sessions that have ended, in the order they ended. */
  get reports(): readonly SessionReport[] {
    return this.#reports;
  }

  /** Ids of the connections that can be joined with `select,$id`. */
  get connections(): readonly string[] {
    return [...this.#connections.keys()];
  }

  /**
   * Waits until at least `count` sessions have ended; resolves with the first `count` reports.
   *
   * @example Wait for a session a client hung up on
   * ```ts
   * import assert from "node:assert/strict";
   * import { GuacdSimulator } from "@guacstream/guacd-sim";
   * const sim = new GuacdSimulator({ corpus: { args: {}, recordings: {} } });
   * const toServer = new TransformStream<Uint8Array, Uint8Array>();
   * const toClient = new TransformStream<Uint8Array, Uint8Array>();
   * void sim.serve({ readable: toServer.readable, writable: toClient.writable });
   * await toServer.writable.close(); // the client leaves before its handshake
   * const [report] = await sim.waitForReports(1);
   * assert.equal(report?.end?.reason, "client-closed");
   * assert.deepEqual(sim.sessions, []);
   * ```
   */
  waitForReports(count: number): Promise<SessionReport[]> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        if (this.#reports.length < count) return false;
        resolve(this.#reports.slice(0, count));
        return true;
      };
      if (!check()) this.#reportWaiters.push(check);
    });
  }

  /**
   * Sends `text` as a `clipboard` stream (`text/plain`, base64 blobs split as guacd splits them)
   * to every user of a live connection. Returns how many sessions it was sent to.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GuacdSimulator } from "@guacstream/guacd-sim";
   * const sim = new GuacdSimulator({ corpus: { args: {}, recordings: {} } });
   * assert.equal(sim.sendClipboard("$nonexistent", "hi"), 0);
   * ```
   */
  sendClipboard(connectionId: string, text: string): number {
    const connection = this.#connections.get(connectionId);
    if (connection === undefined) return 0;
    let sent = 0;
    for (const user of connection.users) if (user.sendClipboard(text)) sent++;
    return sent;
  }

  /**
   * Aborts every open session and waits until they have closed.
   *
   * @example Shut down with a session still in its handshake
   * ```ts
   * import assert from "node:assert/strict";
   * import { GuacdSimulator } from "@guacstream/guacd-sim";
   * const sim = new GuacdSimulator({ corpus: { args: {}, recordings: {} } });
   * const toServer = new TransformStream<Uint8Array, Uint8Array>();
   * const toClient = new TransformStream<Uint8Array, Uint8Array>();
   * const done = sim.serve({ readable: toServer.readable, writable: toClient.writable });
   * assert.equal(sim.sessions.length, 1);
   * await sim.closeAll();
   * assert.equal((await done).end?.reason, "aborted");
   * assert.deepEqual(sim.sessions, []);
   * ```
   */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#live].map((s) => s.abort()));
  }

  #ended(session: Session): void {
    this.#live.delete(session);
    const id = session.report.connectionId;
    const connection = id === undefined ? undefined : this.#connections.get(id);
    if (connection !== undefined) {
      connection.users.delete(session);
      if (connection.owner !== session) connection.owner.notifyOwner("2", session.report);
      if (connection.owner === session) {
        this.#connections.delete(id!);
        for (const user of connection.users) user.connectionClosed();
      }
    }
    this.#reports.push(session.report);
    for (let k = this.#reportWaiters.length - 1; k >= 0; k--) {
      if (this.#reportWaiters[k]!()) this.#reportWaiters.splice(k, 1);
    }
  }
}

function atLeastZero(name: string, value: number): number {
  if (!(value >= 0)) {
    throw new SimulatorError("bad-option", `Cannot create simulator: ${name} is ${value}`);
  }
  return value;
}
