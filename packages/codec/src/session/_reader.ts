import { InstructionDecoder } from "../wire/decoder.ts";
import { GuacamoleClientError } from "../wire/errors.ts";
import { type Instruction, instruction } from "../wire/instruction.ts";
import type { GuacamoleLimits } from "../wire/limits.ts";
import { base64ToBytes } from "./_base64.ts";
import { InboundStreamState } from "./_inbound-stream.ts";
import type { SessionOutbound } from "./_outbound.ts";
import type { SessionControls } from "./_session-controls.ts";
import type { GuacamoleClientOptions, GuacamoleMessage } from "./client-options.ts";
import { GUACAMOLE_STATUS, GuacamoleStatusError } from "./status.ts";

const STATUS_SUCCESS = GUACAMOLE_STATUS.SUCCESS;
const STATUS_UNSUPPORTED = GUACAMOLE_STATUS.UNSUPPORTED;
const STATUS_RESOURCE_CLOSED = GUACAMOLE_STATUS.RESOURCE_CLOSED;
const MESSAGE_NAMES: Record<number, GuacamoleMessage["name"]> = {
  1: "USER_JOINED",
  2: "USER_LEFT",
};
const INBOUND_STREAM_OPCODES = new Set(["clipboard", "file", "pipe", "argv", "audio", "video"]);

/** What the reader part asks of the client it serves. */
export interface ReaderHost {
  /** Whether the session is open (`required` answers stop otherwise). */
  isOpen(): boolean;
  /** Whether this client closed the session itself: a read that ends then is no fault. */
  closedByClient(): boolean;
  /** The session failed. */
  fail(error: Error): void;
  /** guacd ended the session with `disconnect` (after `error`, its status). */
  endedByGuacd(status: GuacamoleStatusError | undefined): void;
  /** Ends the session (the application cancelled its reading). */
  close(): Promise<void>;
}

/** Where the session's bytes begin: what arrived with `ready`, and its offset in the connection. */
export interface SessionStart {
  readonly leftover: Uint8Array | undefined;
  readonly offset: number;
}

/**
 * Everything the client reads after the handshake: the read loop (raw reads straight into the
 * runtime-free decoder) and the dispatch of what the library handles for the user: `sync`
 * echoes, `error` and `disconnect`, `msg`, `required` and inbound streams; what drives the
 * session (acks, `size`, `filesystem`, `body`) goes to the session's controls.
 */
export class SessionReader {
  readonly #rawReader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #limits: GuacamoleLimits;
  readonly #options: GuacamoleClientOptions;
  readonly #outbound: SessionOutbound;
  readonly #controls: SessionControls;
  readonly #host: ReaderHost;
  #leftover: Uint8Array | undefined;
  readonly #offset: number;

  #sawDisconnect = false;
  #statusError: GuacamoleStatusError | undefined;
  readonly #inbound = new Map<number, InboundStreamState>();

  constructor(
    rawReader: ReadableStreamDefaultReader<Uint8Array>,
    start: SessionStart,
    limits: GuacamoleLimits,
    options: GuacamoleClientOptions,
    outbound: SessionOutbound,
    controls: SessionControls,
    host: ReaderHost,
  ) {
    this.#rawReader = rawReader;
    this.#leftover = start.leftover;
    this.#offset = start.offset;
    this.#limits = limits;
    this.#options = options;
    this.#outbound = outbound;
    this.#controls = controls;
    this.#host = host;
  }

  /** Whether guacd sent `disconnect`. */
  get sawDisconnect(): boolean {
    return this.#sawDisconnect;
  }

  /** Ends every inbound stream (the session is over). */
  closeStreams(): void {
    for (const stream of this.#inbound.values()) stream.close();
    this.#inbound.clear();
  }

  /** guacd's bytes from right after `ready`, undecoded (for `detach()`). */
  raw(): ReadableStream<Uint8Array> {
    let leftover = this.#leftover;
    this.#leftover = undefined;
    const reader = this.#rawReader;
    return new ReadableStream<Uint8Array>(
      {
        start(controller) {
          if (leftover !== undefined && leftover.length > 0) controller.enqueue(leftover);
          // `pull` shares this scope and lives as long as the stream: let the read go.
          leftover = undefined;
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
   * The session's instructions: raw reads go straight into the decoder, whose callback
   * dispatches and enqueues; no stream sits between the socket and this one.
   */
  instructions(): ReadableStream<Instruction> {
    let leftover = this.#leftover;
    this.#leftover = undefined;
    const reader = this.#rawReader;
    const host = this.#host;
    let controller!: ReadableStreamDefaultController<Instruction>;
    let delivered = 0;
    let ended = false;
    const decoder = new InstructionDecoder(
      (item) => {
        if (ended) return; // guacd closes after disconnect; nothing after it counts
        if (!this.#dispatch(item)) return;
        controller.enqueue(item);
        delivered++;
        if (this.#sawDisconnect) ended = true;
      },
      { limits: this.#limits, startOffset: this.#offset },
    );
    const endedByGuacd = (): void => {
      controller.close();
      host.endedByGuacd(this.#statusError);
    };
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
                  if (host.closedByClient()) return controller.close();
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
            if (host.closedByClient()) return controller.close();
            const failure = asError(error);
            controller.error(failure);
            host.fail(
              failure instanceof GuacamoleClientError && failure.code === "CONNECTION_CLOSED"
                ? (this.#statusError ?? failure)
                : failure,
            );
          }
        },
        cancel: async () => {
          await host.close();
        },
      },
      { highWaterMark: this.#options.readAhead ?? 64 },
    );
  }

  /**
   * Acts on what the library handles for the user. Returns whether the application gets the
   * instruction too: all do but the acks that answer the client's own clean-up of ended streams.
   */
  #dispatch(item: Instruction): boolean {
    this.#options.onInstruction?.(item);
    const controls = this.#controls.dispatch(item);
    if (controls !== "unhandled") return controls === "handled";
    const { opcode, args } = item;
    switch (opcode) {
      case "sync":
        if (this.#options.echoSync !== false && args[0] !== undefined) {
          this.#outbound.sendQuietly(instruction("sync", args[0]));
        }
        break;
      case "error":
        this.#statusError = GuacamoleStatusError.fromInstruction(item);
        break;
      case "disconnect":
        this.#sawDisconnect = true;
        break;
      case "msg":
        this.#options.onMessage?.({
          code: Number.parseInt(args[0] ?? "", 10),
          name: MESSAGE_NAMES[Number.parseInt(args[0] ?? "", 10)] ?? "UNKNOWN",
          args: args.slice(1),
        });
        break;
      case "required":
        void this.#answerRequired(args);
        break;
      case "blob": {
        const stream = this.#inbound.get(Number.parseInt(args[0] ?? "", 10));
        if (stream !== undefined && args[1] !== undefined) stream.push(base64ToBytes(args[1]));
        break;
      }
      case "end": {
        const index = Number.parseInt(args[0] ?? "", 10);
        this.#inbound.get(index)?.close();
        this.#inbound.delete(index);
        break;
      }
      default:
        if (INBOUND_STREAM_OPCODES.has(opcode)) this.#openInbound(item);
    }
    return true;
  }

  #openInbound(item: Instruction): void {
    const index = Number.parseInt(item.args[0] ?? "", 10);
    if (!Number.isInteger(index)) return;
    const onStream = this.#options.onStream;
    const outbound = this.#outbound;
    if (item.opcode === "argv") {
      // guacd offers a parameter that can change while connected, with its current value.
      const name = item.args[2] ?? "";
      const live = this.#controls.arguments;
      live.offer(name);
      if (onStream === undefined) {
        void readText(this.#startInbound(index).readable).then((value) => live.offer(name, value));
        return;
      }
    }
    if (onStream === undefined || item.opcode === "audio" || item.opcode === "video") {
      outbound.sendQuietly(
        instruction("ack", index, `${item.opcode} unsupported`, STATUS_UNSUPPORTED),
      );
      return;
    }
    const state = this.#startInbound(index);
    const name = item.opcode === "clipboard" ? undefined : item.args[2];
    const readable = state.readable;
    onStream({
      kind: item.opcode,
      index,
      mimetype: item.args[1] ?? "",
      name,
      readable,
      text: () => readText(readable),
    });
  }

  /**
   * A `body` guacd sent for a `get`: an inbound stream acked at once, since guacd sends the
   * first blob only after an ack.
   */
  openBody(index: number): ReadableStream<Uint8Array> {
    const state = this.#startInbound(index);
    this.#outbound.sendQuietly(instruction("ack", index, "OK", STATUS_SUCCESS));
    return state.readable;
  }

  /** A new inbound stream on `index`, acked blob by blob as its reader makes room. */
  #startInbound(index: number): InboundStreamState {
    const outbound = this.#outbound;
    const state = new InboundStreamState(
      index,
      () => outbound.sendQuietly(instruction("ack", index, "OK", STATUS_SUCCESS)),
      () => {
        // The reader gave up: a failure ack makes guacd stop sending and free the stream.
        if (this.#inbound.get(index) === state) this.#inbound.delete(index);
        outbound.sendQuietly(instruction("ack", index, "Cancelled", STATUS_RESOURCE_CLOSED));
      },
    );
    this.#inbound.get(index)?.close();
    this.#inbound.set(index, state);
    return state;
  }

  async #answerRequired(names: readonly string[]): Promise<void> {
    const onRequired = this.#options.onRequired;
    if (onRequired === undefined) return;
    let values: Readonly<Record<string, string>>;
    try {
      values = await onRequired(names);
    } catch (error) {
      this.#host.fail(asError(error));
      return;
    }
    for (const name of names) {
      const value = values[name];
      if (value === undefined || !this.#host.isOpen()) continue;
      await this.#controls.streams
        .send(
          (index) => instruction("argv", index, "text/plain", name),
          new TextEncoder().encode(value),
          { acks: "none" },
        )
        .catch((error: unknown) => this.#host.fail(asError(error)));
    }
  }
}

/** The whole stream as UTF-8 text. */
async function readText(readable: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  const reader = readable.getReader();
  for (let next = await reader.read(); next.done !== true; next = await reader.read()) {
    text += decoder.decode(next.value, { stream: true });
  }
  return text + decoder.decode();
}

/** Any thrown value as an Error. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
