import { InstructionDecoder } from "../wire/decoder.ts";
import { GuacamoleClientError, GuacamoleProtocolError } from "../wire/errors.ts";
import { type Instruction, instruction } from "../wire/instruction.ts";
import { type GuacamoleLimits, resolveLimits } from "../wire/limits.ts";
import { encodeInstruction } from "../wire/text.ts";
import { performHandshake } from "./_handshake.ts";
import { SessionOutbound } from "./_outbound.ts";
import { SessionReader, type SessionStart } from "./_reader.ts";
import { SessionControls } from "./_session-controls.ts";
import { SessionEnd } from "./_session-end.ts";
import type { GuacamoleClientOptions, GuacamoleCloseInfo } from "./client-options.ts";
import type { GuacamoleDisplay } from "./display.ts";
import type { ByteSource } from "./files/blob-source.ts";
import type { GuacamoleFilesystem } from "./files/filesystem.ts";
import type { GuacdDuplex } from "./guacd-duplex.ts";
import type { HandshakeOptions, HandshakeResult } from "./handshake.ts";
import type { GuacamoleKeyboard } from "./input/keyboard.ts";
import type { GuacamoleMouse } from "./input/mouse.ts";
import type { GuacamoleTouch } from "./input/touch.ts";
import type { LiveArguments } from "./live-arguments.ts";

/** What guacd sent was already checked on the way in; re-encoding it must not refuse it. */
const RECEIVE_LIMITS = resolveLimits({
  maxElementLength: Number.MAX_SAFE_INTEGER,
  maxInstructionBytes: Number.MAX_SAFE_INTEGER,
});
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const TEXT_ENCODER = new TextEncoder();

type ClientState = "new" | "handshaking" | "open" | "detached" | "closed";

/**
 * A session with guacd over any byte duplex: the handshake, then instructions both ways, with
 * keep-alive, `msg` events, `required` answers and streams handled for you. The async,
 * web-streams counterpart of PyGuacamole's `GuacamoleClient`.
 *
 * @example Hold a session with a tiny in-memory guacd
 * ```ts
 * import assert from "node:assert/strict";
 * import { InstructionDecoderStream } from "@guacstream/codec";
 * import { GuacamoleClient } from "@guacstream/codec/client";
 *
 * // The "guacd": answers select with args, connect with ready and a sync, disconnect by closing.
 * const toClient = new TransformStream<Uint8Array, Uint8Array>();
 * const toGuacd = new TransformStream<Uint8Array, Uint8Array>();
 * const guacd = (async () => {
 *   const writer = toClient.writable.getWriter();
 *   const send = (text: string) => writer.write(new TextEncoder().encode(text));
 *   const reader = toGuacd.readable.pipeThrough(new InstructionDecoderStream()).getReader();
 *   for (;;) {
 *     const { done, value } = await reader.read();
 *     if (done || value.opcode === "disconnect") return writer.close();
 *     if (value.opcode === "select") await send("4.args,13.VERSION_1_5_0,8.hostname;");
 *     if (value.opcode === "connect") await send("5.ready,5.$abcd;4.sync,2.10;");
 *   }
 * })();
 *
 * const client = new GuacamoleClient({ readable: toClient.readable, writable: toGuacd.writable });
 * const result = await client.handshake({ protocol: "vnc", parameters: { hostname: "desktop" } });
 * assert.equal(result.id, "$abcd");
 * assert.equal(result.protocolVersion, "VERSION_1_5_0");
 * assert.deepEqual(await client.readInstruction(), { opcode: "sync", args: ["10"] });
 * await client.close();
 * await guacd;
 * assert.equal((await client.closed).initiator, "client");
 * ```
 */
export class GuacamoleClient {
  readonly #limits: GuacamoleLimits;
  readonly #options: GuacamoleClientOptions;
  readonly #duplex: GuacdDuplex;
  readonly #rawReader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #outbound: SessionOutbound;
  readonly #controls: SessionControls;
  #reader: SessionReader | undefined;
  #instructions: ReadableStream<Instruction> | undefined;
  #instructionReader: ReadableStreamDefaultReader<Instruction> | undefined;

  #state: ClientState = "new";
  #result: HandshakeResult | undefined;
  /** Where the session's bytes begin, until the reader takes them. */
  #start: SessionStart | undefined;
  readonly #end = new SessionEnd();
  #closing: Promise<void> | undefined;

  /**
   * A client over `duplex` (guacd's bytes in `readable`, yours to it in `writable`); nothing is
   * read or sent before {@linkcode GuacamoleClient.handshake}.
   */
  constructor(duplex: GuacdDuplex, options: GuacamoleClientOptions = {}) {
    this.#duplex = duplex;
    this.#options = options;
    this.#limits = resolveLimits(options.limits);
    this.#rawReader = duplex.readable.getReader();
    this.#outbound = new SessionOutbound(duplex.writable.getWriter(), this.#limits, {
      isOpen: () => this.#state === "open",
    });
    this.#controls = new SessionControls({
      send: (...items) => this.#outbound.send(...items),
      protocolVersion: () => this.#result?.protocolVersion,
      readInstructions: () => {
        if (this.#instructions === undefined) void this.instructions;
      },
      openBody: (index) => this.#session().openBody(index),
      onSize: options.onSize,
      onFilesystem: options.onFilesystem,
      onLateAck: options.onLateAck,
    });
  }

  /** Settles once, when the session ends, with who ended it and why. Never rejects. */
  get closed(): Promise<GuacamoleCloseInfo> {
    return this.#end.closed;
  }

  /** The connection ID from `ready`, once the handshake is done (PyGuacamole's `id`). */
  get id(): string | undefined {
    return this.#result?.id;
  }

  /** The negotiated protocol version, once the handshake is done. */
  get protocolVersion(): string | undefined {
    return this.#result?.protocolVersion;
  }

  /**
   * Selects a protocol (or joins a connection), answers `args` with the display, media, time zone,
   * name and `connect` values, and waits for `ready`. Rejects with `GuacamoleStatusError` when
   * guacd reports an error, `GuacamoleClientError` on timeout, abort, an unknown parameter or a
   * connection that ends early; the connection is closed then.
   */
  async handshake(options: HandshakeOptions): Promise<HandshakeResult> {
    if (this.#state !== "new") {
      throw new GuacamoleClientError(
        "INVALID_STATE",
        `Cannot start a handshake: the client is ${this.#state}`,
      );
    }
    this.#state = "handshaking";
    try {
      const done = await performHandshake(
        this.#rawReader,
        (instructions) => this.#outbound.sendNow(...instructions),
        options,
        this.#limits,
      );
      this.#start = { leftover: done.leftover, offset: done.readyEnd };
      this.#state = "open";
      this.#result = done.result;
      // What guacd drops of typed text depends on the protocol (its terminal's keysym rules).
      this.#controls.keyboard.protocol = options.join === undefined ? options.protocol : undefined;
      this.#outbound.startKeepAlive(this.#options.keepAliveInterval ?? 5000);
      return done.result;
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  /**
   * Everything guacd sends after `ready`, decoded. Reading it echoes `sync`, answers `required`,
   * routes streams and raises `msg` events; guacd's `disconnect` ends it, a connection lost
   * without one errors it. Also async-iterable. Use this or {@link readInstruction}, not both.
   *
   * Every instruction is here except the acks of the client's own streams (`sendFile`,
   * `sendClipboard`, filesystem uploads, `arguments.set`, answers to `required`): their outcome is
   * what those calls return, and guacd acks an ended stream's index again when it is reused (a
   * refused upload's "Close failed"), which would read as the next stream's answer. Acks that no
   * call awaits go to `onLateAck`; `onInstruction` sees every instruction.
   */
  get instructions(): ReadableStream<Instruction> {
    if (this.#instructions === undefined) {
      if (this.#state !== "open" && this.#state !== "closed") {
        throw new GuacamoleClientError(
          "INVALID_STATE",
          `Cannot read instructions: the client is ${this.#state}`,
        );
      }
      this.#instructions = this.#session().instructions();
    }
    return this.#instructions;
  }

  /** The next instruction from guacd, or `undefined` once the session has ended (PyGuacamole's `read_instruction`). */
  async readInstruction(): Promise<Instruction | undefined> {
    this.#instructionReader ??= this.instructions.getReader();
    const { done, value } = await this.#instructionReader.read();
    return done ? undefined : value;
  }

  /** The next instruction as Guacamole text, or `undefined` at the end (PyGuacamole's `receive`). */
  async receive(): Promise<string | undefined> {
    const next = await this.readInstruction();
    return next === undefined ? undefined : encodeInstruction(next, RECEIVE_LIMITS);
  }

  /**
   * Sends instructions already written as Guacamole text (PyGuacamole's `send`). The text must be
   * whole, well-formed instructions; it is checked before anything is sent. Resolves when the
   * connection has taken the bytes.
   */
  async send(text: string): Promise<void> {
    this.#assertOpen("send");
    // Check every instruction before sending any of them, with the rules guacd reads them by.
    if (LONE_SURROGATE.test(text)) {
      throw new GuacamoleProtocolError(
        "LONE_SURROGATE",
        "Cannot send text: it holds a lone UTF-16 surrogate, which has no UTF-8 form",
      );
    }
    const bytes = TEXT_ENCODER.encode(text);
    const check = new InstructionDecoder(() => {}, { limits: this.#limits });
    check.push(bytes);
    check.finish();
    return this.#outbound.queue(bytes);
  }

  /** Sends instructions (PyGuacamole's `send_instruction`); resolves when the connection has taken them. */
  async sendInstruction(...instructions: Instruction[]): Promise<void> {
    this.#assertOpen("send an instruction");
    return this.#outbound.queue(this.#outbound.encode(instructions));
  }

  /**
   * Sends text to the remote clipboard as a `clipboard` stream, split into blobs guacd accepts.
   */
  async sendClipboard(text: string, mimetype = "text/plain"): Promise<void> {
    await this.#open("send the clipboard").streams.send(
      (index) => instruction("clipboard", index, mimetype),
      TEXT_ENCODER.encode(text),
      { acks: "none" },
    );
  }

  /**
   * Uploads a file as a `file` stream (guacd puts it where the protocol keeps uploads: the SFTP
   * upload directory, the RDP drive) from bytes, a stream or an async iterable, paced by guacd's
   * acks (at most 8 blobs, 48 KiB, ahead of them), so memory stays small plus the source's
   * buffer whatever the size. Resolves once guacd has closed the file (its ack of `end`).
   * Rejects with `GuacamoleClientError` (`STREAM_FAILED`, the status as `cause`) if guacd refuses
   * it.
   */
  async sendFile(
    filename: string,
    data: ByteSource,
    mimetype = "application/octet-stream",
  ): Promise<void> {
    await this.#open("send a file").streams.send(
      (index) => instruction("file", index, mimetype, filename),
      data,
      { acks: "each", ackEnd: true },
    );
  }

  /** The keyboard: key events by keysym, `type()` for text. Available once the session is open. */
  get keyboard(): GuacamoleKeyboard {
    return this.#open("use the keyboard").keyboard;
  }

  /** The mouse: position, buttons, clicks and the wheel. */
  get mouse(): GuacamoleMouse {
    return this.#open("use the mouse").mouse;
  }

  /** The touch screen (protocol 1.3.0+; refused with `UNSUPPORTED_VERSION` before). */
  get touch(): GuacamoleTouch {
    return this.#open("use touch").touch;
  }

  /** The display: `resize()` and the size guacd reports. */
  get display(): GuacamoleDisplay {
    return this.#open("use the display").display;
  }

  /** The parameters guacd lets change while connected, and `set()` to change them. */
  get arguments(): LiveArguments {
    return this.#open("change arguments").arguments;
  }

  /** The filesystems guacd exposes now. */
  get filesystems(): readonly GuacamoleFilesystem[] {
    return this.#controls.filesystems;
  }

  /**
   * The first filesystem guacd exposes (SFTP with `enable-sftp`, an RDP drive with
   * `enable-drive`). Rejects with `GuacamoleFilesystemError` (`NOT_FOUND`) when guacd exposes
   * none within `timeout` milliseconds. Reads guacd's instructions if nothing does yet.
   */
  async filesystem(options: { timeout?: number } = {}): Promise<GuacamoleFilesystem> {
    const controls = this.#open("get a filesystem");
    if (this.#instructions === undefined) void this.instructions;
    return controls.nextFilesystem(options.timeout ?? 10_000);
  }

  /**
   * Hands over the raw connection after the handshake: guacd's bytes from right after `ready`
   * (nothing lost) and the writable side. The client stops all keep-alive and reading; use this in
   * a broker that forwards bytes as they are.
   */
  detach(): GuacdDuplex {
    if (this.#state !== "open" || this.#instructions !== undefined) {
      throw new GuacamoleClientError(
        "INVALID_STATE",
        `Cannot detach: the client is ${this.#instructions === undefined ? this.#state : "already reading"}`,
      );
    }
    this.#state = "detached";
    this.#outbound.stopKeepAlive();
    this.#outbound.writer.releaseLock();
    const readable = this.#session().raw();
    this.#settle({ initiator: "client", error: undefined });
    return { readable, writable: this.#duplex.writable };
  }

  /**
   * Ends the session: sends `disconnect` (if the session is open) and closes both directions.
   * Idempotent; resolves once the connection is closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const wasOpen = this.#state === "open";
    if (this.#state === "detached") return;
    this.#state = "closed";
    this.#outbound.stopKeepAlive();
    if (wasOpen && this.#reader?.sawDisconnect !== true) {
      const disconnect = this.#outbound.encode([instruction("disconnect")]);
      await this.#outbound.queue(disconnect).catch(() => {});
    }
    this.#settle({ initiator: "client", error: undefined });
    await this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    this.#outbound.stopKeepAlive();
    this.#reader?.closeStreams();
    const writer = this.#outbound.writer;
    await Promise.allSettled([
      writer.close().catch(() => writer.abort()),
      this.#rawReader.cancel(),
    ]);
  }

  #fail(error: Error): void {
    if (this.#state === "closed" || this.#state === "detached") return;
    this.#state = "closed";
    this.#settle({ initiator: "error", error });
    void this.#shutdown();
  }

  #settle(info: GuacamoleCloseInfo): void {
    if (this.#end.settle(info)) this.#controls.end(info.error);
  }

  /** The session's controls, or `INVALID_STATE` when it is not open. */
  #open(action: string): SessionControls {
    this.#assertOpen(action);
    return this.#controls;
  }

  #assertOpen(action: string): void {
    if (this.#state !== "open") {
      throw new GuacamoleClientError(
        "INVALID_STATE",
        `Cannot ${action}: the client is ${this.#state}`,
      );
    }
  }

  /** The reader part, made on first use with where the session's bytes begin. */
  #session(): SessionReader {
    if (this.#reader === undefined) {
      const start = this.#start ?? { leftover: undefined, offset: 0 };
      this.#start = undefined;
      this.#reader = new SessionReader(
        this.#rawReader,
        start,
        this.#limits,
        this.#options,
        this.#outbound,
        this.#controls,
        {
          isOpen: () => this.#state === "open",
          closedByClient: () => this.#state === "closed" && this.#end.info?.initiator === "client",
          fail: (error) => this.#fail(error),
          endedByGuacd: (status) => {
            this.#state = "closed";
            this.#settle({ initiator: "guacd", error: status });
            void this.#shutdown();
          },
          close: () => this.close(),
        },
      );
    }
    return this.#reader;
  }
}
