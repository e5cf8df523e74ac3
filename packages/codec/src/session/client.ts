import { concatBytes } from "../wire/_bytes.ts";
import { InstructionDecoder } from "../wire/decoder.ts";
import { GuacamoleClientError, GuacamoleProtocolError } from "../wire/errors.ts";
import { type Instruction, instruction } from "../wire/instruction.ts";
import { type GuacamoleLimits, resolveLimits } from "../wire/limits.ts";
import { encodeInstruction } from "../wire/text.ts";
import { base64ToBytes, bytesToBase64 } from "./_base64.ts";
import { performHandshake } from "./_handshake.ts";
import { InboundStreamState } from "./_inbound-stream.ts";
import type { HandshakeOptions, HandshakeResult } from "./handshake.ts";
import { GuacamoleStatusError } from "./status.ts";

/**
 * A byte connection to guacd, as the transports (or any in-memory pair of streams) provide: the
 * one duplex type every package uses.
 *
 * @example Any pair of byte streams fits, e.g. an in-memory loop in a test
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GuacdDuplex } from "@guacstream/codec";
 *
 * const loop = new TransformStream<Uint8Array, Uint8Array>();
 * const duplex: GuacdDuplex = { readable: loop.readable, writable: loop.writable };
 * void duplex.writable.getWriter().write(new TextEncoder().encode("3.nop;"));
 * const { value } = await duplex.readable.getReader().read();
 * assert.equal(new TextDecoder().decode(value), "3.nop;");
 * ```
 */
export interface GuacdDuplex {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** A `msg` from guacd (protocol 1.5.0): someone joined or left a shared connection. */
export interface GuacamoleMessage {
  /** The numeric message code (0x0001 joined, 0x0002 left). */
  readonly code: number;
  /** The code's name. */
  readonly name: "USER_JOINED" | "USER_LEFT" | "UNKNOWN";
  /** The arguments, e.g. the user's name. */
  readonly args: readonly string[];
}

/** A stream guacd opened towards the client (`clipboard`, `file`, `pipe`, `argv`, …). */
export interface GuacamoleInboundStream {
  /** The opcode that opened it. */
  readonly kind: string;
  /** Its stream index. */
  readonly index: number;
  /** The mimetype of its data. */
  readonly mimetype: string;
  /** The file or pipe name, or the parameter name for `argv`; `undefined` for `clipboard`. */
  readonly name: string | undefined;
  /** The data; each blob is acknowledged once there is room for it. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Reads the whole stream as UTF-8 text. */
  text(): Promise<string>;
}

/** How a session ended. */
export interface GuacamoleCloseInfo {
  /** Who ended it: this client (`close()`), guacd (`disconnect`), or a failure. */
  readonly initiator: "client" | "guacd" | "error";
  /** What went wrong, if anything: guacd's `error` status, a protocol or connection fault. */
  readonly error: Error | undefined;
}

/** Options of {@link GuacamoleClient}. */
export interface GuacamoleClientOptions {
  /** Limits for what guacd sends and what the client sends. @default {DEFAULT_LIMITS} */
  limits?: Partial<GuacamoleLimits>;
  /**
   * Answer each `sync` with its own timestamp as instructions are read. Turn off in a broker that
   * forwards the browser's `sync`.
   * @default {true}
   */
  echoSync?: boolean;
  /**
   * Send `nop` after this many milliseconds in which nothing was sent (guacd drops a client that
   * is silent for 15 s); 0 turns it off.
   * @default {5000}
   */
  keepAliveInterval?: number;
  /** Called for each `msg` (a user joined or left). */
  onMessage?: (message: GuacamoleMessage) => void;
  /**
   * Called when guacd asks for parameters it still needs (`required`, e.g. a password); the
   * values returned are sent back as `argv` streams. Names left out are not sent.
   */
  onRequired?: (
    names: readonly string[],
  ) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  /** Called for each stream guacd opens; without it, streams are refused as unsupported. */
  onStream?: (stream: GuacamoleInboundStream) => void;
  /** Instructions read ahead of the application. @default {64} */
  readAhead?: number;
}

/** Bytes per blob: 6048 bytes are 8064 base64 characters, within guacd's 8192 per element. */
const BLOB_BYTES = 6048;
/** guacd serves at most 64 streams per user (`GUAC_USER_MAX_STREAMS`). */
const MAX_STREAMS = 64;
/** What guacd sent was already checked on the way in; re-encoding it must not refuse it. */
const RECEIVE_LIMITS = resolveLimits({
  maxElementLength: Number.MAX_SAFE_INTEGER,
  maxInstructionBytes: Number.MAX_SAFE_INTEGER,
});
const STATUS_SUCCESS = 0x0000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const STATUS_UNSUPPORTED = 0x0100;
const MESSAGE_NAMES: Record<number, GuacamoleMessage["name"]> = {
  1: "USER_JOINED",
  2: "USER_LEFT",
};
const INBOUND_STREAM_OPCODES = new Set(["clipboard", "file", "pipe", "argv", "audio", "video"]);

type ClientState = "new" | "handshaking" | "open" | "detached" | "closed";

/**
 * A session with guacd over any byte duplex: the handshake, then instructions both ways, with
 * keep-alive, `msg` events, `required` answers and streams handled for you. The async,
 * web-streams counterpart of PyGuacamole's `GuacamoleClient`.
 *
 * @example Hold a session with a tiny in-memory guacd
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacamoleClient, InstructionDecoderStream } from "@guacstream/codec";
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
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #textEncoder = new TextEncoder();

  #state: ClientState = "new";
  #id: string | undefined;
  #protocolVersion: string | undefined;

  // Bytes that arrived with `ready` but belong to what follows it.
  #leftover: Uint8Array | undefined;
  #sessionOffset = 0;

  // Sending: instructions queued in one microtask turn go out as one write.
  #outgoing: Uint8Array[] = [];
  #flush: Promise<void> | undefined;
  #lastSent = 0;
  #keepAliveTimer: ReturnType<typeof setTimeout> | undefined;

  // Receiving, once the session is open.
  #instructions: ReadableStream<Instruction> | undefined;
  #instructionReader: ReadableStreamDefaultReader<Instruction> | undefined;
  #sawDisconnect = false;
  #statusError: GuacamoleStatusError | undefined;

  // Streams by index.
  readonly #inbound = new Map<number, InboundStreamState>();
  readonly #outboundIndexes = new Set<number>();
  readonly #ackWaiters = new Map<
    number,
    { resolve: (ack: Instruction) => void; reject: (error: Error) => void }
  >();

  #closeInfo: GuacamoleCloseInfo | undefined;
  #resolveClosed!: (info: GuacamoleCloseInfo) => void;
  /** Settles once, when the session ends, with who ended it and why. Never rejects. */
  readonly closed: Promise<GuacamoleCloseInfo>;
  #closing: Promise<void> | undefined;

  constructor(duplex: GuacdDuplex, options: GuacamoleClientOptions = {}) {
    this.#duplex = duplex;
    this.#options = options;
    this.#limits = resolveLimits(options.limits);
    this.#rawReader = duplex.readable.getReader();
    this.#writer = duplex.writable.getWriter();
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** The connection ID from `ready`, once the handshake is done (PyGuacamole's `id`). */
  get id(): string | undefined {
    return this.#id;
  }

  /** The negotiated protocol version, once the handshake is done. */
  get protocolVersion(): string | undefined {
    return this.#protocolVersion;
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
        (instructions) => this.#sendNow(...instructions),
        options,
        this.#limits,
      );
      this.#leftover = done.leftover;
      this.#sessionOffset = done.readyEnd;
      this.#state = "open";
      this.#id = done.result.id;
      this.#protocolVersion = done.result.protocolVersion;
      this.#scheduleKeepAlive();
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
   */
  get instructions(): ReadableStream<Instruction> {
    if (this.#instructions === undefined) {
      if (this.#state !== "open" && this.#state !== "closed") {
        throw new GuacamoleClientError(
          "INVALID_STATE",
          `Cannot read instructions: the client is ${this.#state}`,
        );
      }
      this.#instructions = this.#startReading();
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
    const bytes = this.#textEncoder.encode(text);
    const check = new InstructionDecoder(() => {}, { limits: this.#limits });
    check.push(bytes);
    check.finish();
    return this.#queue(bytes);
  }

  /** Sends instructions (PyGuacamole's `send_instruction`); resolves when the connection has taken them. */
  async sendInstruction(...instructions: Instruction[]): Promise<void> {
    this.#assertOpen("send an instruction");
    return this.#queue(this.#encode(instructions));
  }

  /**
   * Sends text to the remote clipboard as a `clipboard` stream, split into blobs guacd accepts.
   */
  async sendClipboard(text: string, mimetype = "text/plain"): Promise<void> {
    this.#assertOpen("send the clipboard");
    await this.#sendStream(
      instruction("clipboard", "", mimetype),
      this.#textEncoder.encode(text),
      false,
    );
  }

  /**
   * Uploads a file as a `file` stream, waiting for guacd's `ack` after each blob as guacd's own
   * clients do. Rejects with `GuacamoleClientError` (`STREAM_FAILED`, the status as `cause`) if
   * guacd refuses it.
   */
  async sendFile(
    filename: string,
    data: Uint8Array,
    mimetype = "application/octet-stream",
  ): Promise<void> {
    this.#assertOpen("send a file");
    await this.#sendStream(instruction("file", "", mimetype, filename), data, true);
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
    this.#clearKeepAlive();
    this.#writer.releaseLock();
    const readable = this.#rawAfterReady();
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
    this.#clearKeepAlive();
    if (wasOpen && !this.#sawDisconnect) {
      await this.#queue(this.#encode([instruction("disconnect")])).catch(() => {});
    }
    this.#settle({ initiator: "client", error: undefined });
    await this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    this.#clearKeepAlive();
    for (const stream of this.#inbound.values()) stream.close();
    this.#inbound.clear();
    await Promise.allSettled([
      this.#writer.close().catch(() => this.#writer.abort()),
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
    if (this.#closeInfo !== undefined) return;
    this.#closeInfo = info;
    this.#resolveClosed(info);
    for (const [index, waiter] of this.#ackWaiters) waiter.reject(this.#streamEnded(index, info));
    this.#ackWaiters.clear();
  }

  #streamEnded(index: number, info: GuacamoleCloseInfo): GuacamoleClientError {
    return new GuacamoleClientError(
      "STREAM_FAILED",
      `Cannot finish stream ${index}: the session ended`,
      { cause: info.error },
    );
  }

  #assertOpen(action: string): void {
    if (this.#state !== "open") {
      throw new GuacamoleClientError(
        "INVALID_STATE",
        `Cannot ${action}: the client is ${this.#state}`,
      );
    }
  }

  // --- sending -------------------------------------------------------------------------------

  #encode(instructions: readonly Instruction[]): Uint8Array {
    let text = "";
    for (const item of instructions) text += encodeInstruction(item, this.#limits);
    return this.#textEncoder.encode(text);
  }

  /** Sends at once, unbatched: the handshake's pace is guacd's. */
  async #sendNow(...instructions: Instruction[]): Promise<void> {
    const bytes = this.#encode(instructions);
    this.#lastSent = Date.now();
    await this.#writer.write(bytes);
  }

  /** Queues bytes; everything queued in one microtask turn goes out as one write. */
  #queue(bytes: Uint8Array): Promise<void> {
    this.#lastSent = Date.now();
    this.#outgoing.push(bytes);
    this.#flush ??= Promise.resolve().then(() => {
      const chunks = this.#outgoing;
      this.#outgoing = [];
      this.#flush = undefined;
      return this.#writer.write(chunks.length === 1 ? chunks[0]! : concatBytes(chunks));
    });
    return this.#flush;
  }

  /** Sends `instruction` without waiting; a failure here is the connection's, reported by `closed`. */
  #sendQuietly(...instructions: Instruction[]): void {
    if (this.#state !== "open") return;
    this.#queue(this.#encode(instructions)).catch(() => {});
  }

  #scheduleKeepAlive(): void {
    const interval = this.#options.keepAliveInterval ?? 5000;
    if (interval <= 0) return;
    const tick = (): void => {
      this.#keepAliveTimer = undefined;
      if (this.#state !== "open") return;
      const idle = Date.now() - this.#lastSent;
      if (idle >= interval) this.#sendQuietly(instruction("nop"));
      this.#keepAliveTimer = setTimeout(
        tick,
        Math.max(50, interval - Math.max(0, Date.now() - this.#lastSent)),
      );
    };
    this.#keepAliveTimer = setTimeout(tick, interval);
  }

  #clearKeepAlive(): void {
    if (this.#keepAliveTimer !== undefined) clearTimeout(this.#keepAliveTimer);
    this.#keepAliveTimer = undefined;
  }

  #allocateStream(): number {
    for (let index = 0; index < MAX_STREAMS; index++) {
      if (!this.#outboundIndexes.has(index)) {
        this.#outboundIndexes.add(index);
        return index;
      }
    }
    throw new GuacamoleClientError(
      "INVALID_STATE",
      `Cannot open a stream: all ${MAX_STREAMS} stream indexes are in use`,
    );
  }

  async #sendStream(header: Instruction, data: Uint8Array, awaitAcks: boolean): Promise<void> {
    const index = this.#allocateStream();
    const id = String(index);
    // Each ack is expected before its instruction goes out: guacd may answer before the write
    // resolves here.
    const send = async (item: Instruction): Promise<void> => {
      const acked = awaitAcks ? this.#expectAck(index) : undefined;
      acked?.catch(() => {}); // observed below; a failed write must not leave it unhandled
      await this.#queue(this.#encode([item]));
      await acked;
    };
    try {
      await send({ opcode: header.opcode, args: [id, ...header.args.slice(1)] });
      for (let at = 0; at < data.length; at += BLOB_BYTES) {
        await send(instruction("blob", id, bytesToBase64(data.subarray(at, at + BLOB_BYTES))));
      }
      await this.#queue(this.#encode([instruction("end", id)]));
    } finally {
      this.#outboundIndexes.delete(index);
      this.#ackWaiters.delete(index);
    }
  }

  async #expectAck(index: number): Promise<void> {
    const ack = await new Promise<Instruction>((resolve, reject) => {
      if (this.#closeInfo !== undefined) {
        reject(this.#streamEnded(index, this.#closeInfo));
        return;
      }
      this.#ackWaiters.set(index, { resolve, reject });
      if (this.#instructions === undefined) void this.instructions; // acks arrive only while reading
    });
    const status = Number.parseInt(ack.args[2] ?? "", 10);
    if (status !== STATUS_SUCCESS) {
      throw new GuacamoleClientError(
        "STREAM_FAILED",
        `Cannot send stream ${index}: guacd refused it`,
        {
          cause: GuacamoleStatusError.fromInstruction(ack),
        },
      );
    }
  }

  // --- receiving -----------------------------------------------------------------------------

  #rawAfterReady(): ReadableStream<Uint8Array> {
    const leftover = this.#leftover;
    this.#leftover = undefined;
    const reader = this.#rawReader;
    return new ReadableStream<Uint8Array>(
      {
        start(controller) {
          if (leftover !== undefined && leftover.length > 0) controller.enqueue(leftover);
        },
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * The session's instructions: raw reads go straight into the runtime-free decoder, whose
   * callback dispatches and enqueues; no stream sits between the socket and this one.
   */
  #startReading(): ReadableStream<Instruction> {
    let leftover = this.#leftover;
    this.#leftover = undefined;
    const reader = this.#rawReader;
    let controller!: ReadableStreamDefaultController<Instruction>;
    let delivered = 0;
    let ended = false;
    const decoder = new InstructionDecoder(
      (item) => {
        if (ended) return; // guacd closes after disconnect; nothing after it counts
        this.#dispatch(item);
        controller.enqueue(item);
        delivered++;
        if (this.#sawDisconnect) ended = true;
      },
      { limits: this.#limits, startOffset: this.#sessionOffset },
    );
    const endedByGuacd = (): void => {
      controller.close();
      this.#state = "closed";
      this.#settle({ initiator: "guacd", error: this.#statusError });
      void this.#shutdown();
    };
    const closedByClient = (): boolean =>
      this.#state === "closed" && this.#closeInfo?.initiator === "client";
    return new ReadableStream<Instruction>(
      {
        start: (c) => {
          controller = c;
        },
        pull: async () => {
          const before = delivered;
          try {
            while (delivered === before) {
              let chunk: Uint8Array;
              if (leftover !== undefined) {
                chunk = leftover;
                leftover = undefined;
              } else {
                const next = await reader.read();
                if (next.done) {
                  if (closedByClient()) return controller.close();
                  decoder.finish(); // TRUNCATED if guacd stopped inside an instruction
                  if (this.#sawDisconnect) return endedByGuacd();
                  throw new GuacamoleClientError(
                    "CONNECTION_CLOSED",
                    "Cannot read from guacd: the connection ended without a disconnect instruction",
                    { cause: this.#statusError },
                  );
                }
                chunk = next.value;
              }
              decoder.push(chunk);
              if (ended) return endedByGuacd();
            }
          } catch (error) {
            if (closedByClient()) return controller.close();
            const failure = asError(error);
            controller.error(failure);
            this.#fail(
              failure instanceof GuacamoleClientError && failure.code === "CONNECTION_CLOSED"
                ? (this.#statusError ?? failure)
                : failure,
            );
          }
        },
        cancel: async () => {
          await this.close();
        },
      },
      { highWaterMark: this.#options.readAhead ?? 64 },
    );
  }

  /** Acts on what the library handles for the user; every instruction still reaches the reader. */
  #dispatch(item: Instruction): void {
    const { opcode, args } = item;
    switch (opcode) {
      case "sync":
        if (this.#options.echoSync !== false && args[0] !== undefined) {
          this.#sendQuietly(instruction("sync", args[0]));
        }
        return;
      case "error":
        this.#statusError = GuacamoleStatusError.fromInstruction(item);
        return;
      case "disconnect":
        this.#sawDisconnect = true;
        return;
      case "msg":
        this.#options.onMessage?.({
          code: Number.parseInt(args[0] ?? "", 10),
          name: MESSAGE_NAMES[Number.parseInt(args[0] ?? "", 10)] ?? "UNKNOWN",
          args: args.slice(1),
        });
        return;
      case "required":
        void this.#answerRequired(args);
        return;
      case "ack": {
        const index = Number.parseInt(args[0] ?? "", 10);
        const waiter = this.#ackWaiters.get(index);
        if (waiter !== undefined) {
          this.#ackWaiters.delete(index);
          waiter.resolve(item);
        }
        return;
      }
      case "blob": {
        const stream = this.#inbound.get(Number.parseInt(args[0] ?? "", 10));
        if (stream !== undefined && args[1] !== undefined) stream.push(base64ToBytes(args[1]));
        return;
      }
      case "end": {
        const index = Number.parseInt(args[0] ?? "", 10);
        this.#inbound.get(index)?.close();
        this.#inbound.delete(index);
        return;
      }
      default:
        if (INBOUND_STREAM_OPCODES.has(opcode)) this.#openInbound(item);
    }
  }

  #openInbound(item: Instruction): void {
    const index = Number.parseInt(item.args[0] ?? "", 10);
    if (!Number.isInteger(index)) return;
    const onStream = this.#options.onStream;
    if (onStream === undefined || item.opcode === "audio" || item.opcode === "video") {
      this.#sendQuietly(
        instruction("ack", index, `${item.opcode} unsupported`, STATUS_UNSUPPORTED),
      );
      return;
    }
    const state = new InboundStreamState(index, () =>
      this.#sendQuietly(instruction("ack", index, "OK", STATUS_SUCCESS)),
    );
    this.#inbound.get(index)?.close();
    this.#inbound.set(index, state);
    const name = item.opcode === "clipboard" ? undefined : item.args[2];
    const readable = state.readable;
    onStream({
      kind: item.opcode,
      index,
      mimetype: item.args[1] ?? "",
      name,
      readable,
      text: async () => {
        let text = "";
        const decoder = new TextDecoder();
        for await (const chunk of readable as unknown as AsyncIterable<Uint8Array>)
          text += decoder.decode(chunk, { stream: true });
        return text + decoder.decode();
      },
    });
  }

  async #answerRequired(names: readonly string[]): Promise<void> {
    const onRequired = this.#options.onRequired;
    if (onRequired === undefined) return;
    let values: Readonly<Record<string, string>>;
    try {
      values = await onRequired(names);
    } catch (error) {
      this.#fail(asError(error));
      return;
    }
    for (const name of names) {
      const value = values[name];
      if (value === undefined || this.#state !== "open") continue;
      await this.#sendStream(
        instruction("argv", "", "text/plain", name),
        this.#textEncoder.encode(value),
        false,
      ).catch((error: unknown) => this.#fail(asError(error)));
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
