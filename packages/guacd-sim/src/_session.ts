// One client connection of the simulator: the handshake, the plan it chose, the replay and the
// close. It reaches the simulator only through `SessionHost`, so `GuacdSimulator` exposes nothing
// internal.

import { GUACAMOLE_STATUS } from "@guacstream/codec/client";
import { concat, toBase64 } from "./_bytes.ts";
import { ClientInput, type InputEnd } from "./_client-input.ts";
import { ClientReader } from "./_client-reader.ts";
import { ClientWriter } from "./_client-writer.ts";
import { Handshake, type HandshakeOutcome } from "./_handshake.ts";
import { KeepAlive } from "./_keep-alive.ts";
import { Replayer, type ReplaySettings } from "./_replayer.ts";
import { SentSyncs } from "./_sent-syncs.ts";
import { Sleeps } from "./_sleeps.ts";
import { encodeInstruction } from "./_wire.ts";
import type { Clock } from "./clock.ts";
import { SimulatorError } from "./errors.ts";
import type { SimulatedFilesystem } from "./filesystem.ts";
import type { SessionContext, SessionPlan } from "./plan.ts";
import type { Recording } from "./recording.ts";
import type { EndReason, SessionReport } from "./report.ts";
import type { ByteDuplex } from "./simulator.ts";

/** A connection that users can join with `select,$id`: its owner's session and every user's. */
export interface LiveConnection {
  readonly protocol: string;
  readonly owner: Session;
  plan?: SessionPlan;
  readonly users: Set<Session>;
}

/** The simulator's options with their defaults applied. */
export interface SessionSettings extends ReplaySettings {
  readonly clock: Clock;
  readonly handshakeTimeoutMs: number;
  readonly syncTimeoutMs: number;
  readonly nopIntervalMs: number;
  readonly idleSyncIntervalMs: number;
  readonly hold: boolean;
  readonly clipboardStream: string;
  /** Exposed to sessions that turn on `enable-sftp` or `enable-drive`. */
  readonly filesystem: SimulatedFilesystem | undefined;
}

/** What a session asks of the simulator that serves it. */
export interface SessionHost {
  /** The recorded `args` instruction of `protocol`, if any. */
  args(protocol: string): Uint8Array | undefined;
  /** The parameter names in `args` (cached per protocol). */
  argNames(protocol: string, args: Uint8Array): readonly string[];
  /** A recording by name; throws `SimulatorError` `unknown-recording`. */
  recording(name: string): Recording;
  /** The plan for a session that has connected. */
  resolve(ctx: SessionContext): SessionPlan;
  /** A live connection by id. */
  connection(id: string): LiveConnection | undefined;
  /** Registers a new connection owned by `owner`. */
  open(id: string, protocol: string, owner: Session): LiveConnection;
  /** Called once when the session has closed. */
  ended(session: Session): void;
}

const DISCONNECT = encodeInstruction("disconnect");
const CLIENT_TIMEOUT = concat(
  encodeInstruction("error", "Aborted. See logs.", String(GUACAMOLE_STATUS.CLIENT_TIMEOUT)),
  DISCONNECT,
);
/** libguac splits blobs at 6048 bytes (8064 base64 characters). */
const BLOB_BYTES = 6048;

/** What the session knows once `connect` has been answered with `ready`. */
interface Connected {
  readonly protocol: string;
  readonly joined: LiveConnection | undefined;
  readonly connectionId: string;
  readonly params: Record<string, string>;
}

/** One client connection. */
export class Session {
  readonly report: SessionReport;
  readonly #host: SessionHost;
  readonly #settings: SessionSettings;
  readonly #reader: ClientReader;
  readonly #writer: ClientWriter;
  readonly #syncs: SentSyncs;
  readonly #input: ClientInput;
  readonly #keepAlive: KeepAlive;
  readonly #sleeps: Sleeps;
  readonly #ended: Promise<void>;
  #resolveEnded!: () => void;
  #closing = false;
  #heldReason: EndReason | undefined;
  #failure: unknown;

  constructor(
    host: SessionHost,
    settings: SessionSettings,
    duplex: ByteDuplex,
    report: SessionReport,
  ) {
    const clock = settings.clock;
    this.#host = host;
    this.#settings = settings;
    this.report = report;
    this.#reader = new ClientReader(duplex.readable, clock, {
      instruction: (instruction) => this.#input.handle(instruction),
      malformed: () => this.#close("session-malformed", "server", DISCONNECT),
      closed: () => this.#close(this.#heldReason ?? "client-closed", "client"),
    });
    this.#writer = new ClientWriter(duplex.writable, clock, report.output, () =>
      this.#close(this.#heldReason ?? "client-closed", "client"),
    );
    this.#syncs = new SentSyncs(clock, report.output, Number.isFinite(settings.throttleLagMs));
    this.#input = new ClientInput(report, this.#writer, this.#syncs, (reason: InputEnd) =>
      this.#close(reason, reason === "sync-ahead" ? "server" : "client", DISCONNECT),
    );
    this.#keepAlive = new KeepAlive(
      clock,
      settings,
      () => this.#reader.lastReceived,
      this.#writer,
      this.#syncs,
      () => this.#close("sync-timeout", "server", CLIENT_TIMEOUT),
    );
    this.#sleeps = new Sleeps(clock);
    this.#ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  async run(signal: AbortSignal | undefined): Promise<SessionReport> {
    const onAbort = (): void => this.#close(this.#heldReason ?? "aborted", "abort");
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const pump = this.#reader.pump();
    try {
      await this.#serve();
    } catch (error) {
      this.#failure = error;
      this.#close("internal-error", "server");
    }
    await this.#ended;
    await pump;
    signal?.removeEventListener("abort", onAbort);
    this.#host.ended(this);
    if (this.#failure !== undefined) throw this.#failure;
    return this.report;
  }

  /**
   * Turns the connection away because the simulator is at its session cap: `reset` aborts the
   * socket (the Node adapter sends a TCP reset), `close` closes it; nothing is sent either way.
   */
  async refuse(how: "reset" | "close"): Promise<SessionReport> {
    this.#closing = true;
    this.report.end = { reason: "over-capacity", closedBy: "server", held: false };
    const reason = new SimulatorError("over-capacity", "Cannot serve: at the session cap");
    await (how === "reset" ? this.#writer.abort(reason) : this.#writer.closeNow());
    await this.#reader.cancel();
    this.#host.ended(this);
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
    if (!this.#reader.dispatching || this.#closing) return;
    if (!supportsMsg(this.report.params?.VERSION ?? "")) return;
    this.#writer.send(encodeInstruction("msg", code, user.userId ?? "", user.name ?? ""));
  }

  connectionClosed(): void {
    this.#close("connection-closed", "server", DISCONNECT);
  }

  sendClipboard(text: string): boolean {
    if (!this.#reader.dispatching || this.#closing) return false;
    const index = this.#settings.clipboardStream;
    this.#writer.send(encodeInstruction("clipboard", index, "text/plain"));
    const bytes = new TextEncoder().encode(text);
    for (let at = 0; at < bytes.length; at += BLOB_BYTES) {
      const blob = toBase64(bytes.subarray(at, at + BLOB_BYTES));
      this.#writer.send(encodeInstruction("blob", index, blob));
    }
    this.#writer.send(encodeInstruction("end", index));
    return true;
  }

  /** The session's phases: handshake, `ready`, the plan, the session, the replay and its end. */
  async #serve(): Promise<void> {
    const handshake = new Handshake(
      this.#reader,
      this.#writer,
      this.#host,
      this.report,
      this.#settings.handshakeTimeoutMs,
    );
    const outcome = await handshake.run();
    if (outcome.kind !== "connect") return this.#handshakeFailed(outcome);
    const connected = this.#ready(outcome);
    if (connected === undefined) return;
    const plan = this.#choosePlan(connected);
    const recording =
      plan.recording === undefined ? undefined : this.#host.recording(plan.recording);
    this.#startSession(plan, connected.params);
    if (this.#closing) return;
    await this.#play(plan, recording);
  }

  #handshakeFailed(outcome: Exclude<HandshakeOutcome, { kind: "connect" }>): void {
    if (outcome.kind === "close") this.#close(outcome.reason, "server", outcome.final);
    else if (outcome.kind === "hold") this.#hold(outcome.reason);
  }

  /** A handshake failure after `args`: guacd's child exits, its parent keeps the socket. */
  #hold(reason: EndReason): void {
    if (!this.#settings.hold) {
      this.#close(reason, "server");
      return;
    }
    this.#heldReason = reason;
    this.#reader.drop();
  }

  /** Answers `connect` with `ready`, then checks it as guacd does; `undefined` if it closed. */
  #ready(outcome: Extract<HandshakeOutcome, { kind: "connect" }>): Connected | undefined {
    const { protocol, joined, names, connect } = outcome;
    const report = this.report;
    report.connect = { values: connect.args, raw: connect.rawArgs };
    const connectionId = joined === undefined ? `$${crypto.randomUUID()}` : report.joined!;
    report.connectionId = connectionId;
    report.userId = `@${crypto.randomUUID()}`;
    // guacd sends ready before it checks the argument count.
    this.#writer.send(encodeInstruction("ready", connectionId));
    if (connect.args.length !== names.length) {
      this.#close("arg-count", "server");
      return undefined;
    }
    const params: Record<string, string> = {};
    names.forEach((name, k) => {
      params[k === 0 ? "VERSION" : name] = connect.args[k] ?? "";
    });
    report.params = params;
    return { protocol, joined, connectionId, params };
  }

  /** Registers the connection (or joins it) and asks the host for the plan. */
  #choosePlan({ protocol, joined, connectionId, params }: Connected): SessionPlan {
    const connection = joined ?? this.#host.open(connectionId, protocol, this);
    if (joined !== undefined) {
      joined.users.add(this);
      joined.owner.notifyOwner("1", this.report);
    }
    const ctx: SessionContext =
      joined?.plan === undefined
        ? { protocol, joining: joined !== undefined, connectionId, params }
        : { protocol, joining: true, connectionId, params, ownerPlan: joined.plan };
    const plan = this.#host.resolve(ctx);
    this.report.plan = plan;
    if (joined === undefined) connection.plan = plan;
    return plan;
  }

  /** From here the client's instructions are handled as they come, and the keep-alive runs. */
  #startSession(plan: SessionPlan, params: Readonly<Record<string, string>>): void {
    this.#input.follow(plan);
    this.#keepAlive.start();
    this.#reader.dispatch();
    if (this.#closing) return;
    this.#input.offerLiveArguments(plan.liveArguments);
    const fs = this.#settings.filesystem;
    if (
      fs !== undefined &&
      (params["enable-sftp"] === "true" || params["enable-drive"] === "true")
    ) {
      this.#input.exposeFilesystem(fs);
    }
    if (plan.clipboard !== undefined) this.sendClipboard(plan.clipboard);
  }

  /** Replays the recording, then ends as the plan says: an error, a disconnect, or held open. */
  async #play(plan: SessionPlan, recording: Recording | undefined): Promise<void> {
    const end = plan.end ?? (recording?.endsWithDisconnect ? "disconnect" : "hold");
    if (recording !== undefined) {
      const replayer = new Replayer(
        {
          clock: this.#settings.clock,
          settings: this.#settings,
          output: this.report.output,
          writer: this.#writer,
          syncs: this.#syncs,
          input: this.#input,
          sleeps: this.#sleeps,
          closing: () => this.#closing,
        },
        plan,
      );
      await replayer.play(recording, end);
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
    this.#keepAlive.idle();
  }

  #close(reason: EndReason, closedBy: "server" | "client" | "abort", final?: Uint8Array): void {
    if (this.#closing) return;
    this.#closing = true;
    this.report.end = { reason, closedBy, held: this.#heldReason !== undefined };
    this.#keepAlive.stop();
    this.#reader.stop();
    this.#input.wake();
    this.#sleeps.wakeAll();
    void this.#shutdown(closedBy === "abort", final);
  }

  async #shutdown(abort: boolean, final: Uint8Array | undefined): Promise<void> {
    if (abort) await this.#writer.abort();
    else await this.#writer.close(final);
    await this.#reader.cancel();
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
