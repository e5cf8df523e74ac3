// One client connection of the simulator: the handshake, the replay, what the client sends, and the
// close. It reaches the simulator only through `SessionHost`, so `GuacdSimulator` exposes nothing
// internal.

import { concat, toBase64 } from "./_bytes.ts";
import { ClientStreams } from "./_client-streams.ts";
import { FilesystemObject } from "./_filesystem-object.ts";
import { InputStreams } from "./_input-streams.ts";
import { KeyEcho } from "./_key-echo.ts";
import { SyncLag } from "./_sync-lag.ts";
import { SimulatorError, WireError } from "./errors.ts";
import type { SimulatedFilesystem } from "./filesystem.ts";
import type { Pace, SessionContext, SessionPlan } from "./plan.ts";
import type { Recording } from "./recording.ts";
import type { EndReason, SessionReport } from "./report.ts";
import type { ByteDuplex } from "./simulator.ts";
import { encodeInstruction, type WireInstruction, WireParser } from "./wire.ts";

/** A connection that users can join with `select,$id`: its owner's session and every user's. */
export interface LiveConnection {
  readonly protocol: string;
  readonly owner: Session;
  plan?: SessionPlan;
  readonly users: Set<Session>;
}

/** The simulator's options with their defaults applied. */
export interface SessionSettings {
  readonly pace: Pace;
  readonly handshakeTimeoutMs: number;
  readonly syncTimeoutMs: number;
  readonly nopIntervalMs: number;
  readonly idleSyncIntervalMs: number;
  readonly batchBytes: number;
  readonly hold: boolean;
  readonly clipboardStream: string;
  /** Frames stop while the client's oldest unconfirmed `sync` is older than this (ms). */
  readonly throttleLagMs: number;
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

const NOP = encodeInstruction("nop");
const DISCONNECT = encodeInstruction("disconnect");
const CLIENT_TIMEOUT = concat(encodeInstruction("error", "Aborted. See logs.", "776"), DISCONNECT);
const NO_SUCH_CONNECTION = encodeInstruction("error", "No such connection.", "516");
const CLOSE_GRACE_MS = 2000;
/** libguac splits blobs at 6048 bytes (8064 base64 characters). */
const BLOB_BYTES = 6048;
/** The stream index of the `argv` streams the simulator sends (the clipboard uses 63). */
const HANDSHAKE_OPCODES = new Set(["size", "audio", "video", "image", "timezone", "name"]);

type Next = WireInstruction | "timeout" | "malformed" | "eof";

/** One client connection. */
export class Session {
  readonly report: SessionReport;
  readonly #host: SessionHost;
  readonly #o: SessionSettings;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #parser = new WireParser();
  #mode: "handshake" | "session" | "held" = "handshake";
  #queue: WireInstruction[] = [];
  #malformed = false;
  #closing = false;
  #wake: (() => void) | undefined;
  #heldReason: EndReason | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #idle = false;
  #lastReceived = Date.now();
  #lastWrite = Date.now();
  #lastIdleSync = 0;
  #maxSentSync = Number.NEGATIVE_INFINITY;
  #lastSyncAt = 0;
  #sleepers = new Set<() => void>();
  #ended: Promise<void>;
  #resolveEnded!: () => void;
  #failure: unknown;
  #plan: SessionPlan | undefined;
  readonly #lag = new SyncLag();
  #keyEcho: KeyEcho | undefined;
  #filesystem: FilesystemObject | undefined;
  readonly #clientStreams: ClientStreams;
  readonly #inputStreams: InputStreams;

  constructor(
    host: SessionHost,
    options: SessionSettings,
    duplex: ByteDuplex,
    report: SessionReport,
  ) {
    this.#host = host;
    this.#o = options;
    this.report = report;
    this.#reader = duplex.readable.getReader();
    this.#writer = duplex.writable.getWriter();
    this.#inputStreams = new InputStreams((bytes) => this.#send(bytes));
    this.#clientStreams = new ClientStreams(
      report.input,
      (bytes) => this.#send(bytes),
      this.#inputStreams,
    );
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
    this.#host.ended(this);
    if (this.#failure !== undefined) throw this.#failure;
    return this.report;
  }

  /**
   * Turns the connection away because the simulator is at its session cap: `reset` aborts the
   * socket (the Node adapter sends a TCP reset), `close` closes it; nothing is sent either way.
   */
  refuse(how: "reset" | "close"): Promise<SessionReport> {
    this.#closing = true;
    this.report.end = { reason: "over-capacity", closedBy: "server", held: false };
    const reason = new SimulatorError("over-capacity", "Cannot serve: at the session cap");
    const writer = this.#writer;
    const closed = how === "reset" ? writer.abort(reason) : writer.close();
    return closed
      .catch(() => {})
      .then(() => this.#reader.cancel().catch(() => {}))
      .then(() => {
        this.#host.ended(this);
        return this.report;
      });
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
      joined = this.#host.connection(selected);
      if (joined === undefined) {
        return this.#close("no-such-connection", "server", NO_SUCH_CONNECTION);
      }
      protocol = joined.protocol;
      report.joined = selected;
    }
    report.protocol = protocol;
    const args = this.#host.args(protocol);
    if (args === undefined) return this.#fail("unknown-protocol");
    this.#send(args);
    const names = this.#host.argNames(protocol, args);

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
    const connection = joined ?? this.#host.open(connectionId, protocol, this);
    if (joined !== undefined) {
      joined.users.add(this);
      joined.owner.notifyOwner("1", report);
    }

    const ctx: SessionContext =
      joined?.plan === undefined
        ? { protocol, joining: joined !== undefined, connectionId, params }
        : { protocol, joining: true, connectionId, params, ownerPlan: joined.plan };
    const plan = this.#host.resolve(ctx);
    report.plan = plan;
    this.#plan = plan;
    if (plan.echoKeys === true) this.#keyEcho = new KeyEcho();
    if (joined === undefined) connection.plan = plan;
    const recording =
      plan.recording === undefined ? undefined : this.#host.recording(plan.recording);

    this.#mode = "session";
    this.#lastReceived = Date.now();
    this.#ticker = setInterval(() => this.#tick(), Math.min(200, this.#o.syncTimeoutMs / 4 || 1));
    for (const pending of this.#queue.splice(0)) this.#onInstruction(pending);
    if (this.#closing) return;
    this.#clientStreams.offerLiveArguments(plan.liveArguments);
    const fs = this.#o.filesystem;
    if (
      fs !== undefined &&
      (params["enable-sftp"] === "true" || params["enable-drive"] === "true")
    ) {
      this.#filesystem = new FilesystemObject(
        fs,
        0,
        (bytes) => this.#send(bytes),
        this.#inputStreams,
      );
      this.#filesystem.announce();
    }
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
        await this.#clientStreams.waitForArgv(rec.smallArgs[k] ?? [], () => this.#closing);
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
        if (Number.isFinite(this.#o.throttleLagMs)) {
          await flush();
          await this.#whileLagging();
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

  /** guacd's throttle: no new frame while the client is too far behind on `sync`. */
  async #whileLagging(): Promise<void> {
    let at = Date.now();
    while (!this.#closing && this.#lag.lagMs(at) > this.#o.throttleLagMs) {
      await this.#sleep(10);
      const now = Date.now();
      this.report.output.throttledMs += now - at;
      at = now;
    }
  }

  /** A timestamp for a frame made live (not replayed): after every one sent so far. */
  #liveSyncTimestamp(now: number): number {
    const max = this.#maxSentSync;
    return Number.isFinite(max) ? Math.max(max + 1, max + (now - this.#lastSyncAt)) : now;
  }

  #noteSync(ts: number): void {
    if (ts > this.#maxSentSync) this.#maxSentSync = ts;
    this.#lastSyncAt = Date.now();
    if (Number.isFinite(this.#o.throttleLagMs)) this.#lag.sent(ts, this.#lastSyncAt);
    this.report.output.syncs++;
    this.report.output.lastSync = ts;
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
    if (this.#filesystem?.handle(instruction) === true) {
      if (opcode === "ack") this.report.input.acks++;
      return;
    }
    if (opcode === "file" && this.#filesystem !== undefined) {
      // guacd's SFTP file handler: a `put` into the upload directory (here the root).
      this.#filesystem.openUpload(args[0] ?? "", `/${args[2] ?? ""}`);
      return;
    }
    if (this.#clientStreams.handle(opcode, args)) return;
    const input = this.report.input;
    switch (opcode) {
      case "sync": {
        const ts = Number(args[0]);
        input.syncs++;
        input.lastSync = ts;
        this.#lag.confirmed(ts);
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
        if (this.#keyEcho !== undefined && args[1] === "1") {
          const ts = this.#liveSyncTimestamp(Date.now());
          this.#noteSync(ts);
          this.report.output.keyEchoes++;
          this.#send(this.#keyEcho.frame(ts));
        }
        break;
      case "size": {
        input.size.push(args);
        const [width, height] = args.map(Number);
        if (this.#plan?.resize === true && Number.isInteger(width) && Number.isInteger(height)) {
          this.#send(encodeInstruction("size", "0", String(width), String(height)));
        }
        break;
      }
      case "ack":
        input.acks++;
        break;
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
      const ts = this.#liveSyncTimestamp(now);
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
    this.#clientStreams.wake();
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
