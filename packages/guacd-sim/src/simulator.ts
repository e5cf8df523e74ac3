import { SimulatorError, WireError } from "./errors.ts";
import { defaultResolveSession, type Pace, type SessionContext, type SessionPlan } from "./plan.ts";
import { Recording } from "./recording.ts";
import { createReport, type EndReason, type SessionReport } from "./report.ts";
import { encodeInstruction, parseAll, type WireInstruction, WireParser } from "./wire.ts";

/**
 * Any byte duplex: a TCP socket adapted to web streams, one end of an in-memory pipe, a WebSocket
 * stream…
 *
 * @example An in-memory pair
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ByteDuplex } from "@guacstream/guacd-sim";
 * const toServer = new TransformStream<Uint8Array, Uint8Array>();
 * const toClient = new TransformStream<Uint8Array, Uint8Array>();
 * const server: ByteDuplex = { readable: toServer.readable, writable: toClient.writable };
 * assert.ok(server.readable instanceof ReadableStream);
 * ```
 */
export interface ByteDuplex {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/**
 * The recordings a simulator serves, as bytes (the core reads no files; `loadCorpus` in
 * `@guacstream/guacd-sim/node` reads them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SimulatorCorpus } from "@guacstream/guacd-sim";
 * const corpus: SimulatorCorpus = { args: {}, recordings: {} };
 * assert.deepEqual(Object.keys(corpus.args), []);
 * ```
 */
export interface SimulatorCorpus {
  /** The `args` instruction guacd sends for each protocol (`handshake-args/<protocol>.args.guac`). */
  readonly args: Readonly<Record<string, Uint8Array>>;
  /** Server-to-client recordings by name (`vnc-desktop`, `errors/ssh-bad-password`, …). */
  readonly recordings: Readonly<Record<string, Uint8Array>>;
}

/**
 * Options of {@linkcode GuacdSimulator}.
 *
 * @example Test-sized timeouts
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GuacdSimulatorOptions } from "@guacstream/guacd-sim";
 * const options: GuacdSimulatorOptions = {
 *   corpus: { args: {}, recordings: {} },
 *   syncTimeoutMs: 2000,
 *   resolveSession: () => ({ recording: "vnc-desktop", pace: "realtime", end: "loop" }),
 * };
 * assert.equal(options.syncTimeoutMs, 2000);
 * ```
 */
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

interface LiveConnection {
  readonly protocol: string;
  readonly owner: Session;
  plan?: SessionPlan;
  readonly users: Set<Session>;
}

interface Resolved {
  readonly pace: Pace;
  readonly handshakeTimeoutMs: number;
  readonly syncTimeoutMs: number;
  readonly nopIntervalMs: number;
  readonly idleSyncIntervalMs: number;
  readonly batchBytes: number;
  readonly hold: boolean;
  readonly clipboardStream: string;
}

const NOP = encodeInstruction("nop");
const DISCONNECT = encodeInstruction("disconnect");
const CLIENT_TIMEOUT = concat(encodeInstruction("error", "Aborted. See logs.", "776"), DISCONNECT);
const NO_SUCH_CONNECTION = encodeInstruction("error", "No such connection.", "516");
const CLOSE_GRACE_MS = 2000;
/** libguac splits blobs at 6048 bytes (8064 base64 characters). */
const BLOB_BYTES = 6048;
const HANDSHAKE_OPCODES = new Set(["size", "audio", "video", "image", "timezone", "name"]);

/**
 * A guacd stand-in: answers the Guacamole handshake like guacd 1.6 and replays recorded sessions,
 * over any {@linkcode ByteDuplex}. Runtime-free (web streams and web APIs only).
 *
 * @example Serve one in-memory session
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacdSimulator, encodeInstruction } from "@guacstream/guacd-sim";
 * const args = encodeInstruction("args", "VERSION_1_5_0", "hostname");
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
  readonly #options: GuacdSimulatorOptions;
  readonly #resolved: Resolved;
  readonly #live = new Set<Session>();
  readonly #connections = new Map<string, LiveConnection>();
  readonly #argNames = new Map<string, readonly string[]>();
  readonly #reports: SessionReport[] = [];
  readonly #reportWaiters: (() => boolean)[] = [];
  #serial = 0;

  constructor(options: GuacdSimulatorOptions) {
    this.#options = options;
    const positive = (name: string, value: number | undefined, fallback: number): number => {
      const v = value ?? fallback;
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new SimulatorError("bad-option", `Cannot create simulator: ${name} is ${v}`);
      }
      return v;
    };
    this.#resolved = {
      pace: options.pace ?? "fast",
      handshakeTimeoutMs: positive("handshakeTimeoutMs", options.handshakeTimeoutMs, 15000),
      syncTimeoutMs: positive("syncTimeoutMs", options.syncTimeoutMs, 15000),
      nopIntervalMs: positive("nopIntervalMs", options.nopIntervalMs, 5000),
      idleSyncIntervalMs: positive("idleSyncIntervalMs", options.idleSyncIntervalMs, 1000),
      batchBytes: Math.max(1, positive("batchBytes", options.batchBytes, 65536)),
      hold: (options.afterHandshakeFailure ?? "hold") === "hold",
      clipboardStream: String(options.clipboardStream ?? 63),
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
    const session = new Session(this, this.#resolved, duplex, report);
    this.#live.add(session);
    return session.run(options.signal);
  }

  /**
   * Reports of the sessions still open, live objects.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GuacdSimulator } from "@guacstream/guacd-sim";
   * assert.deepEqual(new GuacdSimulator({ corpus: { args: {}, recordings: {} } }).sessions, []);
   * ```
   */
  get sessions(): readonly SessionReport[] {
    return [...this.#live].map((s) => s.report);
  }

  /**
   * Reports of the sessions that have ended, in the order they ended.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GuacdSimulator } from "@guacstream/guacd-sim";
   * assert.equal(new GuacdSimulator({ corpus: { args: {}, recordings: {} } }).reports.length, 0);
   * ```
   */
  get reports(): readonly SessionReport[] {
    return this.#reports;
  }

  /**
   * Ids of the connections that can be joined with `select,$id`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GuacdSimulator } from "@guacstream/guacd-sim";
   * assert.deepEqual(new GuacdSimulator({ corpus: { args: {}, recordings: {} } }).connections, []);
   * ```
   */
  get connections(): readonly string[] {
    return [...this.#connections.keys()];
  }

  /**
   * Waits until at least `count` sessions have ended; resolves with the first `count` reports.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GuacdSimulator } from "@guacstream/guacd-sim";
   * const sim = new GuacdSimulator({ corpus: { args: {}, recordings: {} } });
   * assert.deepEqual(await sim.waitForReports(0), []);
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
   * @example
   * ```ts
   * import { GuacdSimulator } from "@guacstream/guacd-sim";
   * await new GuacdSimulator({ corpus: { args: {}, recordings: {} } }).closeAll();
   * ```
   */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#live].map((s) => s.abort()));
  }

  /** @internal */
  _argNames(protocol: string, args: Uint8Array): readonly string[] {
    let names = this.#argNames.get(protocol);
    if (names === undefined) {
      names = parseAll(args).instructions[0]?.args ?? [];
      this.#argNames.set(protocol, names);
    }
    return names;
  }

  /** @internal */
  _args(protocol: string): Uint8Array | undefined {
    return Object.hasOwn(this.#options.corpus.args, protocol)
      ? this.#options.corpus.args[protocol]
      : undefined;
  }

  /** @internal */
  _recording(name: string): Recording {
    const bytes = Object.hasOwn(this.#options.corpus.recordings, name)
      ? this.#options.corpus.recordings[name]
      : undefined;
    if (bytes === undefined) {
      throw new SimulatorError("unknown-recording", `Cannot replay: no recording named "${name}"`);
    }
    return Recording.from(bytes);
  }

  /** @internal */
  _resolve(ctx: SessionContext): SessionPlan {
    return (this.#options.resolveSession ?? defaultResolveSession)(ctx);
  }

  /** @internal */
  _connection(id: string): LiveConnection | undefined {
    return this.#connections.get(id);
  }

  /** @internal */
  _open(id: string, protocol: string, owner: Session): LiveConnection {
    const connection: LiveConnection = { protocol, owner, users: new Set([owner]) };
    this.#connections.set(id, connection);
    return connection;
  }

  /** @internal */
  _ended(session: Session): void {
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

type Next = WireInstruction | "timeout" | "malformed" | "eof";

interface InboundStream {
  readonly kind: string;
  readonly name: string;
  readonly parts: Uint8Array[];
}

/** One client connection. */
class Session {
  readonly report: SessionReport;
  readonly #sim: GuacdSimulator;
  readonly #o: Resolved;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #parser = new WireParser();
  #mode: "handshake" | "session" | "held" = "handshake";
  #queue: WireInstruction[] = [];
  #malformed = false;
  #closing = false;
  #wake: (() => void) | undefined;
  #argvWake: (() => void) | undefined;
  #heldReason: EndReason | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #idle = false;
  #lastReceived = Date.now();
  #lastWrite = Date.now();
  #lastIdleSync = 0;
  #maxSentSync = Number.NEGATIVE_INFINITY;
  #lastSyncAt = 0;
  #streams = new Map<string, InboundStream>();
  #sleepers = new Set<() => void>();
  #ended: Promise<void>;
  #resolveEnded!: () => void;
  #failure: unknown;

  constructor(sim: GuacdSimulator, options: Resolved, duplex: ByteDuplex, report: SessionReport) {
    this.#sim = sim;
    this.#o = options;
    this.report = report;
    this.#reader = duplex.readable.getReader();
    this.#writer = duplex.writable.getWriter();
    this.#ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  async run(signal: AbortSignal | undefined): Promise<SessionReport> {
    const onAbort = (): void => this.#close(this.#heldReason ?? "aborted", "abort");
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const pump = this.#pump();
    try {
      await this.#handshakeAndRun();
    } catch (error) {
      this.#failure = error;
      this.#close("internal-error", "server");
    }
    await this.#ended;
    await pump;
    signal?.removeEventListener("abort", onAbort);
    this.#sim._ended(this);
    if (this.#failure !== undefined) throw this.#failure;
    return this.report;
  }

  abort(): Promise<void> {
    this.#close(this.#heldReason ?? "aborted", "abort");
    return this.#ended;
  }

  /**
   * guacd 1.5+ tells a connection's owner when a user joins (`msg,1,<user id>,<name>`) or leaves
   * (`msg,2,…`), if the owner's `connect` declared protocol 1.5.0 or newer.
   */
  notifyOwner(code: "1" | "2", user: SessionReport): void {
    if (this.#mode !== "session" || this.#closing) return;
    if (!supportsMsg(this.report.params?.VERSION ?? "")) return;
    this.#send(encodeInstruction("msg", code, user.userId ?? "", user.name ?? ""));
  }

  connectionClosed(): void {
    this.#close("connection-closed", "server", DISCONNECT);
  }

  sendClipboard(text: string): boolean {
    if (this.#mode !== "session" || this.#closing) return false;
    const index = this.#o.clipboardStream;
    this.#send(encodeInstruction("clipboard", index, "text/plain"));
    const bytes = new TextEncoder().encode(text);
    for (let at = 0; at < bytes.length; at += BLOB_BYTES) {
      this.#send(encodeInstruction("blob", index, toBase64(bytes.subarray(at, at + BLOB_BYTES))));
    }
    this.#send(encodeInstruction("end", index));
    return true;
  }

  // ---- input ----

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        if (this.#closing || this.#mode === "held" || this.#malformed) continue;
        const instructions: WireInstruction[] = [];
        let failure: WireError | undefined;
        try {
          this.#parser.push(value, instructions);
        } catch (error) {
          if (!(error instanceof WireError)) throw error;
          failure = error;
        }
        for (const instruction of instructions) {
          if (this.#closing) break;
          this.#lastReceived = Date.now();
          if (this.#mode === "handshake") {
            this.#queue.push(instruction);
            this.#wake?.();
          } else if (this.#mode === "session") {
            this.#onInstruction(instruction);
          }
        }
        if (failure !== undefined && !this.#closing) {
          // Instructions before the bad one count; the stream is lost from there on.
          this.#malformed = true;
          if (this.#mode === "session") this.#close("session-malformed", "server", DISCONNECT);
          else this.#wake?.();
        }
      }
    } catch {
      // A reset socket reads as an error: the client is gone either way.
    }
    this.#close(this.#heldReason ?? "client-closed", "client");
  }

  #next(): Promise<Next> {
    return new Promise((resolve) => {
      const ready = (): boolean => {
        const instruction = this.#queue.shift();
        if (instruction !== undefined) resolve(instruction);
        else if (this.#malformed) resolve("malformed");
        else if (this.#closing) resolve("eof");
        else return false;
        return true;
      };
      if (ready()) return;
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve("timeout");
      }, this.#o.handshakeTimeoutMs);
      this.#wake = () => {
        if (ready()) {
          clearTimeout(timer);
          this.#wake = undefined;
        }
      };
    });
  }

  // ---- handshake ----

  async #handshakeAndRun(): Promise<void> {
    const report = this.report;
    const first = await this.#next();
    if (first === "eof") return;
    if (first === "timeout") return this.#close("handshake-timeout", "server");
    if (first === "malformed") return this.#close("malformed", "server");
    if (first.opcode !== "select") return this.#close("not-select", "server");
    const selected = first.args[0] ?? "";
    report.select = selected;

    let protocol = selected;
    let joined: LiveConnection | undefined;
    if (selected.startsWith("$")) {
      joined = this.#sim._connection(selected);
      if (joined === undefined) {
        return this.#close("no-such-connection", "server", NO_SUCH_CONNECTION);
      }
      protocol = joined.protocol;
      report.joined = selected;
    }
    report.protocol = protocol;
    const args = this.#sim._args(protocol);
    if (args === undefined) return this.#fail("unknown-protocol");
    this.#send(args);
    const names = this.#sim._argNames(protocol, args);

    let connect: WireInstruction | undefined;
    while (connect === undefined) {
      const next = await this.#next();
      if (next === "eof") return;
      if (next === "timeout") return this.#fail("handshake-timeout");
      if (next === "malformed") return this.#fail("handshake-failed");
      if (next.opcode === "connect") {
        connect = next;
        break;
      }
      report.handshake.push({ opcode: next.opcode, args: next.args });
      if (HANDSHAKE_OPCODES.has(next.opcode)) {
        if (next.opcode === "timezone") report.timezone = next.args[0] ?? "";
        else if (next.opcode === "name") report.name = next.args[0] ?? "";
        else report[next.opcode as "size" | "audio" | "video" | "image"] = next.args;
      }
    }

    report.connect = { values: connect.args, raw: connect.rawArgs };
    const connectionId = joined === undefined ? `$${crypto.randomUUID()}` : report.joined!;
    report.connectionId = connectionId;
    report.userId = `@${crypto.randomUUID()}`;
    // guacd sends ready before it checks the argument count.
    this.#send(encodeInstruction("ready", connectionId));
    if (connect.args.length !== names.length) return this.#close("arg-count", "server");

    const params: Record<string, string> = {};
    names.forEach((name, k) => {
      params[k === 0 ? "VERSION" : name] = connect.args[k] ?? "";
    });
    report.params = params;
    const connection = joined ?? this.#sim._open(connectionId, protocol, this);
    if (joined !== undefined) {
      joined.users.add(this);
      joined.owner.notifyOwner("1", report);
    }

    const ctx: SessionContext =
      joined?.plan === undefined
        ? { protocol, joining: joined !== undefined, connectionId, params }
        : { protocol, joining: true, connectionId, params, ownerPlan: joined.plan };
    const plan = this.#sim._resolve(ctx);
    report.plan = plan;
    if (joined === undefined) connection.plan = plan;
    const recording =
      plan.recording === undefined ? undefined : this.#sim._recording(plan.recording);

    this.#mode = "session";
    this.#lastReceived = Date.now();
    this.#ticker = setInterval(() => this.#tick(), Math.min(200, this.#o.syncTimeoutMs / 4 || 1));
    for (const pending of this.#queue.splice(0)) this.#onInstruction(pending);
    if (this.#closing) return;
    if (plan.clipboard !== undefined) this.sendClipboard(plan.clipboard);

    const end = plan.end ?? (recording?.endsWithDisconnect ? "disconnect" : "hold");
    if (recording !== undefined) {
      const last =
        end !== "disconnect" && recording.endsWithDisconnect
          ? recording.replayEnd - 1
          : recording.replayEnd;
      let offset = 0;
      for (;;) {
        await this.#replay(recording, last, plan, offset);
        if (this.#closing || end !== "loop" || last <= recording.replayStart) break;
        const first = recording.firstSync;
        offset = Number.isNaN(first) ? 0 : this.#maxSentSync + 1 - first;
      }
      if (this.#closing) return;
    }
    if (plan.error !== undefined) {
      const { message, status } = plan.error;
      const error = encodeInstruction("error", message, String(status));
      return this.#close("error-sent", "server", concat(error, DISCONNECT));
    }
    if (end === "disconnect") {
      const sent = recording?.endsWithDisconnect === true;
      return this.#close("replay-complete", "server", sent ? undefined : DISCONNECT);
    }
    this.#idle = true;
  }

  /** A handshake failure after `select`: guacd's child exits, its parent keeps the socket. */
  #fail(reason: EndReason): void {
    if (!this.#o.hold) {
      this.#close(reason, "server");
      return;
    }
    this.#heldReason = reason;
    this.#mode = "held";
    this.#queue.length = 0;
  }

  // ---- replay ----

  async #replay(rec: Recording, last: number, plan: SessionPlan, offset: number): Promise<void> {
    const realtime = (plan.pace ?? this.#o.pace) === "realtime";
    const firstSync = rec.firstSync;
    const started = Date.now();
    const { starts, ends, opcodes, syncTimestamps } = rec;
    let from = -1;
    let to = -1;
    let count = 0;
    const flush = async (): Promise<void> => {
      if (from < 0) return;
      const bytes = rec.bytes.subarray(from, to);
      this.report.output.replayed += count;
      from = -1;
      count = 0;
      await this.#write(bytes);
    };
    for (let k = rec.replayStart; k < last; k++) {
      if (this.#closing) return;
      const opcode = opcodes[k]!;
      if (opcode === "ack") {
        // The recorded acks answered the recording client's streams; acks are sent live instead.
        await flush();
        continue;
      }
      if (opcode === "required") {
        await flush();
        if (plan.required === "skip") continue;
        this.#send(rec.bytes.subarray(starts[k]!, ends[k]!));
        await this.#waitForArgv(rec.smallArgs[k] ?? []);
        continue;
      }
      if (opcode === "sync") {
        const ts = syncTimestamps[k]!;
        if (realtime && !Number.isNaN(firstSync)) {
          await flush();
          const wait = started + (ts - firstSync) - Date.now();
          if (wait > 0) await this.#sleep(wait);
          if (this.#closing) return;
        }
        this.#noteSync(ts + offset);
        if (offset !== 0) {
          await flush();
          this.report.output.replayed++;
          this.#send(encodeInstruction("sync", String(ts + offset), rec.syncFrames[k]!));
          continue;
        }
      }
      if (from < 0) from = starts[k]!;
      to = ends[k]!;
      count++;
      if (to - from >= this.#o.batchBytes || (realtime && opcode === "sync")) await flush();
    }
    await flush();
  }

  #noteSync(ts: number): void {
    if (ts > this.#maxSentSync) this.#maxSentSync = ts;
    this.#lastSyncAt = Date.now();
    this.report.output.syncs++;
    this.report.output.lastSync = ts;
  }

  #waitForArgv(names: readonly string[]): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#closing || names.every((n) => Object.hasOwn(this.report.input.argv, n))) {
          this.#argvWake = undefined;
          resolve();
        }
      };
      this.#argvWake = check;
      check();
    });
  }

  /** Sleeps, cut short when the session closes. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  // ---- session input ----

  #onInstruction(instruction: WireInstruction): void {
    const { opcode, args } = instruction;
    const input = this.report.input;
    switch (opcode) {
      case "sync": {
        const ts = Number(args[0]);
        input.syncs++;
        input.lastSync = ts;
        // guacd treats confirming a frame it never sent as fatal.
        // (guacd's own clock starts at connect, so an early small timestamp is not "ahead".)
        if (!(ts <= Math.max(this.#maxSentSync, 0))) {
          this.#close("sync-ahead", "server", DISCONNECT);
        }
        break;
      }
      case "nop":
        input.nops++;
        break;
      case "mouse":
        input.mouse.push(args);
        break;
      case "key":
        input.key.push(args);
        break;
      case "size":
        input.size.push(args);
        break;
      case "ack":
        input.acks++;
        break;
      case "clipboard":
      case "file":
      case "pipe":
        this.#streams.set(args[0] ?? "", { kind: opcode, name: args[1] ?? "", parts: [] });
        break;
      case "argv":
        this.#streams.set(args[0] ?? "", { kind: opcode, name: args[2] ?? "", parts: [] });
        this.#send(encodeInstruction("ack", args[0] ?? "", "Ready for updated parameter.", "0"));
        break;
      case "blob": {
        const index = args[0] ?? "";
        const stream = this.#streams.get(index);
        if (stream === undefined) {
          this.#send(encodeInstruction("ack", index, "File transfer unsupported", "256"));
          break;
        }
        stream.parts.push(fromBase64(args[1] ?? ""));
        if (stream.kind !== "argv") this.#send(encodeInstruction("ack", index, "OK", "0"));
        break;
      }
      case "end": {
        const index = args[0] ?? "";
        const stream = this.#streams.get(index);
        if (stream === undefined) break;
        this.#streams.delete(index);
        const text = new TextDecoder().decode(concat(...stream.parts));
        if (stream.kind === "clipboard") input.clipboard.push(text);
        else if (stream.kind === "argv") {
          input.argv[stream.name] = text;
          this.#argvWake?.();
        }
        break;
      }
      case "disconnect":
        this.#close("client-disconnect", "client", DISCONNECT);
        break;
      default:
        input.other.push(opcode);
    }
  }

  #tick(): void {
    if (this.#mode !== "session" || this.#closing) return;
    const now = Date.now();
    if (now - this.#lastReceived >= this.#o.syncTimeoutMs) {
      this.#close("sync-timeout", "server", CLIENT_TIMEOUT);
      return;
    }
    const every = this.#o.idleSyncIntervalMs;
    if (this.#idle && every > 0 && now - this.#lastIdleSync >= every) {
      this.#lastIdleSync = now;
      const max = this.#maxSentSync;
      const ts = Number.isFinite(max) ? Math.max(max + 1, max + (now - this.#lastSyncAt)) : now;
      this.#noteSync(ts);
      this.#send(encodeInstruction("sync", String(ts), "0"));
    }
    if (now - this.#lastWrite >= this.#o.nopIntervalMs) this.#send(NOP);
  }

  // ---- output ----

  /** Queues bytes behind everything sent so far (no back-pressure wait). */
  #send(bytes: Uint8Array): void {
    this.#lastWrite = Date.now();
    this.report.output.bytes += bytes.length;
    this.#writer
      .write(bytes)
      .catch(() => this.#close(this.#heldReason ?? "client-closed", "client"));
  }

  /** Writes bytes once the stream has room: the replay's back-pressure point. */
  async #write(bytes: Uint8Array): Promise<void> {
    try {
      await this.#writer.ready;
    } catch {
      this.#close(this.#heldReason ?? "client-closed", "client");
      return;
    }
    if (this.#closing) return;
    this.#send(bytes);
  }

  #close(reason: EndReason, closedBy: "server" | "client" | "abort", final?: Uint8Array): void {
    if (this.#closing) return;
    this.#closing = true;
    this.report.end = { reason, closedBy, held: this.#heldReason !== undefined };
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#wake?.();
    this.#argvWake?.();
    for (const wake of [...this.#sleepers]) wake();
    void this.#shutdown(closedBy === "abort", final);
  }

  async #shutdown(abort: boolean, final: Uint8Array | undefined): Promise<void> {
    const writer = this.#writer;
    if (abort) {
      await writer.abort().catch(() => {});
    } else {
      if (final !== undefined) {
        this.report.output.bytes += final.length;
        writer.write(final).catch(() => {});
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const flushed = await Promise.race([
        writer.close().then(
          () => true,
          () => true,
        ),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!flushed) await writer.abort().catch(() => {});
    }
    await this.#reader.cancel().catch(() => {});
    this.#resolveEnded();
  }
}

/** Whether a `connect` version string (`VERSION_1_5_0`) is 1.5.0 or newer. */
function supportsMsg(version: string): boolean {
  const match = /^VERSION_(\d+)_(\d+)_(\d+)$/.exec(version);
  if (match === null) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 1 || (major === 1 && minor >= 5);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let k = 0; k < bytes.length; k++) binary += String.fromCharCode(bytes[k]!);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  try {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let k = 0; k < binary.length; k++) out[k] = binary.charCodeAt(k);
    return out;
  } catch {
    return new Uint8Array(0);
  }
}
