import type { SessionPlan } from "./plan.ts";

/**
 * Why a session stopped:
 * - `malformed`: the first instruction was not parseable (closed at once, nothing sent)
 * - `not-select`: the first instruction was not `select` (closed at once)
 * - `handshake-timeout`: no complete instruction within the handshake timeout (before `select`
 *   completed: closed; after: held open, as guacd's parent keeps the socket)
 * - `no-such-connection`: `select,$id` named no live connection (`error` 516, closed)
 * - `unknown-protocol`: `select` of a protocol without recorded `args` (silence, held open)
 * - `handshake-failed`: a malformed instruction after `select` (silence, held open)
 * - `arg-count`: `connect` had a different number of values than `args` (`ready`, then closed)
 * - `replay-complete`: the replay ended with `disconnect` and the socket was closed
 * - `error-sent`: the plan's `error` + `disconnect` was sent and the socket closed
 * - `sync-timeout`: nothing received for `syncTimeoutMs` (`error` 776 + `disconnect`)
 * - `sync-ahead`: the client echoed a `sync` timestamp never sent (`disconnect`)
 * - `session-malformed`: a malformed instruction after `connect` (`disconnect`)
 * - `client-disconnect`: the client sent `disconnect` (answered with `disconnect`)
 * - `connection-closed`: the owner of a joined connection left (`disconnect`)
 * - `client-closed`: the client closed its side of the socket
 * - `aborted`: the `signal` passed to `serve` aborted
 * - `over-capacity`: `maxSessions` were open already; reset (or closed) at once, nothing sent
 * - `internal-error`: the session's plan could not run (the error is rethrown by `serve`)
 */
export type EndReason =
  | "malformed"
  | "not-select"
  | "handshake-timeout"
  | "no-such-connection"
  | "unknown-protocol"
  | "handshake-failed"
  | "arg-count"
  | "replay-complete"
  | "error-sent"
  | "sync-timeout"
  | "sync-ahead"
  | "session-malformed"
  | "client-disconnect"
  | "connection-closed"
  | "client-closed"
  | "aborted"
  | "over-capacity"
  | "internal-error";

/**
 * How a session ended: `reason` is what stopped it (for a held-open socket, the reason it was held,
 * e.g. `unknown-protocol`), `closedBy` who finally closed the socket.
 */
export interface SessionEnd {
  readonly reason: EndReason;
  readonly closedBy: "server" | "client" | "abort";
  /** Whether the socket was held open silently (as guacd does) before it closed. */
  readonly held: boolean;
}

/**
 * Everything a client sent and the simulator did in one session. The object is live: it fills in
 * while the session runs and is complete once `end` is set.
 *
 * @example Check what the client's handshake declared
 * ```ts
 * import assert from "node:assert/strict";
 * import { createReport } from "@guacstream/guacd-sim";
 * const report = createReport(1);
 * assert.deepEqual(report.input.clipboard, []);
 * assert.equal(report.end, undefined);
 * ```
 */
export interface SessionReport {
  /** 1, 2, 3… in the order sessions started on this simulator. */
  readonly serial: number;
  /** The value of `select` (a protocol, or `$id` to join). */
  select?: string;
  /** The protocol served (for a join: the joined connection's). */
  protocol?: string;
  /** The connection id joined with `select,$id`. */
  joined?: string;
  /** The id sent in `ready`. */
  connectionId?: string;
  /** This user's id (`@<uuid>`), as guacd names users in `msg` notifications. */
  userId?: string;
  /** Every instruction between `select` and `connect`, in order. */
  readonly handshake: { readonly opcode: string; readonly args: readonly string[] }[];
  size?: readonly string[];
  audio?: readonly string[];
  video?: readonly string[];
  image?: readonly string[];
  timezone?: string;
  name?: string;
  /** `connect`'s values, decoded and as raw bytes. */
  connect?: { readonly values: readonly string[]; readonly raw: readonly Uint8Array[] };
  /** `connect`'s values by parameter name (the version under `VERSION`). */
  params?: Readonly<Record<string, string>>;
  /** The plan chosen for the session. */
  plan?: SessionPlan;
  /** What the client sent after `connect`. */
  readonly input: {
    readonly mouse: (readonly string[])[];
    readonly key: (readonly string[])[];
    readonly size: (readonly string[])[];
    syncs: number;
    lastSync?: number;
    nops: number;
    acks: number;
    /** Text of each completed `clipboard` stream. */
    readonly clipboard: string[];
    /** Value of each completed `argv` stream, by parameter name. */
    readonly argv: Record<string, string>;
    /** Opcodes the simulator does not handle, in order. */
    readonly other: string[];
  };
  /** What the simulator sent. */
  readonly output: {
    bytes: number;
    syncs: number;
    lastSync?: number;
    replayed: number;
    /** Time the replay waited for the client to catch up on `sync` (`throttleLagMs`). */
    throttledMs: number;
    /** Frames drawn in answer to a `key` press (`echoKeys`). */
    keyEchoes: number;
  };
  /** Set once the socket is closed. */
  end?: SessionEnd;
}

/**
 * A fresh, empty report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createReport } from "@guacstream/guacd-sim";
 * assert.equal(createReport(7).serial, 7);
 * ```
 */
export function createReport(serial: number): SessionReport {
  return {
    serial,
    handshake: [],
    input: {
      mouse: [],
      key: [],
      size: [],
      syncs: 0,
      nops: 0,
      acks: 0,
      clipboard: [],
      argv: {},
      other: [],
    },
    output: { bytes: 0, syncs: 0, replayed: 0, throttledMs: 0, keyEchoes: 0 },
  };
}
