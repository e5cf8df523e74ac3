import { InstructionDecoder } from "../wire/decoder.ts";
import { GuacamoleClientError } from "../wire/errors.ts";
import { type Instruction, instruction } from "../wire/instruction.ts";
import type { GuacamoleLimits } from "../wire/limits.ts";
import type { HandshakeOptions, HandshakeResult } from "./handshake.ts";
import { negotiateVersion, versionAtLeast } from "./protocol-version.ts";
import { GuacamoleStatusError } from "./status.ts";

const DEFAULT_IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];

/** A finished handshake: its result, and where the session's bytes begin. */
export interface CompletedHandshake {
  readonly result: HandshakeResult;
  /** The bytes of the last read that follow `ready`. */
  readonly leftover: Uint8Array;
  /** Offset in the connection's byte stream just after `ready`. */
  readonly readyEnd: number;
}

/**
 * Runs the handshake on a connection's reader: select, args, the client's announcements, connect,
 * ready. Returns the result and the bytes that arrived with `ready` but belong to the session.
 * Times out and aborts as the options say.
 */
export async function performHandshake(
  rawReader: ReadableStreamDefaultReader<Uint8Array>,
  send: (instructions: Instruction[]) => Promise<void>,
  options: HandshakeOptions,
  limits: GuacamoleLimits,
): Promise<CompletedHandshake> {
  const deadline = new Deadline(options.timeout ?? 15000, options.signal);
  try {
    return await handshake(rawReader, send, options, limits, deadline);
  } finally {
    deadline.dispose();
  }
}

async function handshake(
  rawReader: ReadableStreamDefaultReader<Uint8Array>,
  send: (instructions: Instruction[]) => Promise<void>,
  options: HandshakeOptions,
  limits: GuacamoleLimits,
  deadline: Deadline,
): Promise<CompletedHandshake> {
  const target = options.join ?? options.protocol;
  if (target === undefined || target === "") {
    throw new GuacamoleClientError(
      "INVALID_STATE",
      "Cannot start a handshake: give a protocol or a connection ID to join",
    );
  }
  const reader = new HandshakeReader(rawReader, limits, deadline);
  await send([instruction("select", target)]);

  const args = await reader.expect("args");
  const offered = args.args[0] ?? "";
  const version = negotiateVersion(offered);
  const parameterNames = version === undefined ? args.args : args.args.slice(1);

  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.parameters ?? {}))
    parameters[name] = String(value);
  if (options.readOnly === true) parameters["read-only"] = "true";
  const unknown = Object.keys(parameters).filter((name) => !parameterNames.includes(name));
  if (unknown.length > 0) {
    throw new GuacamoleClientError(
      "UNKNOWN_PARAMETER",
      `Cannot connect: guacd does not accept ${unknown.map((n) => `"${n}"`).join(", ")} for ${target}; it accepts: ${parameterNames.join(", ")}`,
    );
  }

  const handshake: Instruction[] = [
    instruction("size", options.width ?? 1024, options.height ?? 768, options.dpi ?? 96),
    { opcode: "audio", args: [...(options.audio ?? [])] },
    { opcode: "video", args: [...(options.video ?? [])] },
    { opcode: "image", args: [...(options.image ?? DEFAULT_IMAGE_TYPES)] },
  ];
  if (versionAtLeast(version, "VERSION_1_1_0")) {
    handshake.push(instruction("timezone", options.timezone ?? localTimeZone()));
  }
  if (versionAtLeast(version, "VERSION_1_3_0") && options.name !== undefined) {
    handshake.push(instruction("name", options.name));
  }
  const values = parameterNames.map((name) => parameters[name] ?? "");
  const connect: Instruction = {
    opcode: "connect",
    args: version === undefined ? values : [version, ...values],
  };
  handshake.push(connect);
  // Encode everything before sending anything, so a bad value fails before guacd sees a byte.
  await send(handshake);

  const ready = await reader.expect("ready");
  return {
    result: {
      id: ownCopy(ready.args[0] ?? ""),
      protocolVersion: version,
      parameterNames: parameterNames.map(sharedName),
      connect,
    },
    leftover: reader.leftover(),
    readyEnd: reader.readyEnd,
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The same text in a string of its own. A decoded value may be a slice of the whole read it came
 * in (the decoder makes one string per read and slices values from it), and a slice keeps that
 * string alive: `ready` shares its read with the first frames, so a session that keeps its id
 * would keep up to 64 KiB with it. Re-decoding the value's own bytes is lossless here: decoded
 * text is well-formed UTF-16.
 */
function ownCopy(value: string): string {
  return decoder.decode(encoder.encode(value));
}

/** Parameter names already seen, each the one copy every session shares. */
const NAMES = new Map<string, string>();
/** Past this many names (a guacd that makes them up), the table starts over: bounded memory. */
const MAX_NAMES = 4096;

/**
 * `name` as a string shared by every session: guacd sends the same fifty-odd names for each
 * session of a protocol, and a broker holds one handshake result per session.
 */
function sharedName(name: string): string {
  let shared = NAMES.get(name);
  if (shared === undefined) {
    if (NAMES.size >= MAX_NAMES) NAMES.clear();
    shared = ownCopy(name);
    NAMES.set(shared, shared);
  }
  return shared;
}

/** Something to race each read against (the handshake's deadline). */
export interface ReadRace {
  race<T>(promise: Promise<T>): Promise<T>;
}

const NO_DEADLINE: ReadRace = { race: (promise) => promise };

/** Thrown by the decoder's callback at `ready` so the session's bytes are left undecoded. */
const READY_REACHED: unique symbol = Symbol("ready reached");

/**
 * Reads the handshake's instructions with the session's own {@link InstructionDecoder} (one
 * grammar: the handshake accepts exactly what the session accepts, and its errors carry byte
 * offsets from the connection's start), and keeps track of where `ready` ends.
 */
export class HandshakeReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #deadline: ReadRace;
  readonly #decoder: InstructionDecoder;
  readonly #queue: Instruction[] = [];
  #chunk: Uint8Array = new Uint8Array(0);
  #chunkOffset = 0;
  #readyEnd = -1;
  #decodeError: unknown;

  constructor(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    limits: GuacamoleLimits,
    deadline: ReadRace = NO_DEADLINE,
  ) {
    this.#reader = reader;
    this.#deadline = deadline;
    this.#decoder = new InstructionDecoder(
      (item) => {
        this.#queue.push(item);
        if (item.opcode === "ready") {
          this.#readyEnd = this.#decoder.instructionEnd;
          throw READY_REACHED; // what follows ready is the session's, decoded by it
        }
      },
      { limits },
    );
  }

  /** The next instruction with the given opcode; `error` from guacd rejects. */
  async expect(opcode: string): Promise<Instruction> {
    for (;;) {
      const next = await this.read();
      if (next.opcode === opcode) return next;
      if (next.opcode === "error") throw GuacamoleStatusError.fromInstruction(next);
      if (next.opcode === "disconnect") {
        throw new GuacamoleClientError(
          "CONNECTION_CLOSED",
          `Cannot finish the handshake: guacd sent disconnect while the client waited for "${opcode}"`,
        );
      }
      if (opcode === "args" || next.opcode === "ready") {
        throw new GuacamoleClientError(
          "UNEXPECTED_INSTRUCTION",
          `Cannot finish the handshake: expected "${opcode}", guacd sent "${next.opcode}"`,
        );
      }
      // Anything else before ready (guacd sends nothing else today) is passed over.
    }
  }

  /**
   * The next instruction up to and including `ready`. Rejects with the decoder's
   * `GuacamoleProtocolError` once the instructions before a fault are read, and with
   * `CONNECTION_CLOSED` when the stream ends first.
   */
  async read(): Promise<Instruction> {
    while (this.#queue.length === 0) {
      if (this.#decodeError !== undefined) throw this.#decodeError;
      if (this.#readyEnd >= 0) {
        throw new GuacamoleClientError(
          "INVALID_STATE",
          "Cannot read the handshake: it ended at ready; the rest belongs to the session",
        );
      }
      const { done, value } = await this.#deadline.race(this.#reader.read());
      if (done) {
        throw new GuacamoleClientError(
          "CONNECTION_CLOSED",
          "Cannot finish the handshake: guacd closed the connection",
        );
      }
      this.#chunkOffset += this.#chunk.length;
      this.#chunk = value;
      try {
        this.#decoder.push(value);
      } catch (error) {
        if (error !== READY_REACHED) this.#decodeError = error;
      }
    }
    return this.#queue.shift()!;
  }

  /** Offset in the byte stream just after `ready`. */
  get readyEnd(): number {
    return this.#readyEnd;
  }

  /** The bytes of the last chunk read that follow `ready`. */
  leftover(): Uint8Array {
    return this.#chunk.subarray(this.#readyEnd - this.#chunkOffset);
  }
}

/** A handshake's timeout and abort signal, raced against each read. */
class Deadline implements ReadRace {
  readonly #promise: Promise<never>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onAbort: (() => void) | undefined;
  readonly #signal: AbortSignal | undefined;

  constructor(timeout: number, signal: AbortSignal | undefined) {
    this.#signal = signal;
    this.#promise = new Promise<never>((_, reject) => {
      const aborted = () =>
        reject(
          new GuacamoleClientError("ABORTED", "Cannot finish the handshake: aborted", {
            cause: signal?.reason,
          }),
        );
      if (signal?.aborted) aborted();
      else if (signal !== undefined) {
        this.#onAbort = aborted;
        signal.addEventListener("abort", aborted, { once: true });
      }
      this.#timer = setTimeout(
        () =>
          reject(
            new GuacamoleClientError(
              "HANDSHAKE_TIMEOUT",
              `Cannot finish the handshake: guacd did not answer within ${timeout} ms`,
            ),
          ),
        timeout,
      );
    });
    this.#promise.catch(() => {});
  }

  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#promise]);
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}

let cachedTimeZone: string | undefined;

/** The runtime's time zone, looked up once (an Intl formatter is costly to build). */
function localTimeZone(): string {
  if (cachedTimeZone === undefined) {
    try {
      cachedTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    } catch {
      cachedTimeZone = "UTC";
    }
  }
  return cachedTimeZone;
}
