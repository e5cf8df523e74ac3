/**
 * What went wrong in a {@link GuacamoleProtocolError}:
 * - `INVALID_LENGTH`: an element's length prefix is empty or holds a byte that is not a digit.
 * - `LENGTH_TOO_LONG`: a length prefix has more digits than `maxLengthDigits`.
 * - `ELEMENT_TOO_LONG`: an element declares (or holds) more characters than `maxElementLength`.
 * - `TOO_MANY_ELEMENTS`: an instruction has more elements than `maxElements`.
 * - `INSTRUCTION_TOO_LONG`: an instruction has more bytes than `maxInstructionBytes`.
 * - `INVALID_TERMINATOR`: the byte after an element's value is neither `,` nor `;`.
 * - `TRUNCATED`: the input ended inside an instruction.
 * - `TRAILING_DATA`: text after the `;` of a single instruction.
 * - `MALFORMED_UTF8`: (strict mode only) a value is not valid UTF-8.
 * - `LONE_SURROGATE`: a string to encode holds a UTF-16 surrogate with no UTF-8 form.
 * - `INVALID_INSTRUCTION`: an instruction to encode is not `{ opcode: string; args: string[] }`.
 */
export type GuacamoleProtocolErrorCode =
  | "INVALID_LENGTH"
  | "LENGTH_TOO_LONG"
  | "ELEMENT_TOO_LONG"
  | "TOO_MANY_ELEMENTS"
  | "INSTRUCTION_TOO_LONG"
  | "INVALID_TERMINATOR"
  | "TRUNCATED"
  | "TRAILING_DATA"
  | "MALFORMED_UTF8"
  | "LONE_SURROGATE"
  | "INVALID_INSTRUCTION";

/**
 * Input that breaks the Guacamole wire format or a configured limit. Decoders report the byte
 * offset in the whole stream where the fault was found; encoders report the element index.
 *
 * @example Tell a length fault from other failures
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeInstruction, GuacamoleProtocolError } from "@guacstream/codec";
 *
 * try {
 *   decodeInstruction("4.size,x.1;");
 *   assert.fail("expected an error");
 * } catch (error) {
 *   assert.ok(error instanceof GuacamoleProtocolError);
 *   assert.equal(error.code, "INVALID_LENGTH");
 *   assert.equal(error.offset, 7);
 * }
 * ```
 */
export class GuacamoleProtocolError extends SyntaxError {
  /** Always `"GuacamoleProtocolError"`. */
  override readonly name = "GuacamoleProtocolError";
  /** Stable identifier of the fault. */
  readonly code: GuacamoleProtocolErrorCode;
  /**
   * Where the fault was found: for decoders, the offset of the offending byte from the start of
   * the stream (for `decodeInstruction`, in the text's UTF-8 form); for encoders, -1.
   */
  readonly offset: number;
  /** The element's index in its instruction (0 is the opcode), or -1 where it does not apply. */
  readonly element: number;

  /** Makes the error for `code` at byte `offset` in element `element` (-1: not applicable). */
  constructor(
    code: GuacamoleProtocolErrorCode,
    message: string,
    offset = -1,
    element = -1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.offset = offset;
    this.element = element;
  }
}

/**
 * What went wrong in a {@link GuacamoleClientError}:
 * - `HANDSHAKE_TIMEOUT`: guacd did not finish the handshake in time (it answers an unknown
 *   protocol, or a `connect` it could not parse, with silence).
 * - `ABORTED`: the caller's `AbortSignal` fired.
 * - `UNKNOWN_PARAMETER`: a connection parameter that guacd did not list in `args`.
 * - `UNEXPECTED_INSTRUCTION`: guacd sent something the handshake cannot continue from.
 * - `CONNECTION_CLOSED`: the connection ended without guacd's `disconnect` (during the handshake,
 *   or right after `ready`, which is how guacd rejects a `connect` it cannot use).
 * - `INVALID_STATE`: the call does not fit the client's state (e.g. `send` before the handshake).
 * - `STREAM_FAILED`: guacd refused a stream the client sent (see `cause`).
 * - `UNSUPPORTED_VERSION`: the negotiated protocol version lacks the instruction (e.g. `touch`
 *   before 1.3.0).
 * - `UNKNOWN_ARGUMENT`: `client.arguments.set()` of a name guacd did not offer for change.
 */
export type GuacamoleClientErrorCode =
  | "HANDSHAKE_TIMEOUT"
  | "ABORTED"
  | "UNKNOWN_PARAMETER"
  | "UNEXPECTED_INSTRUCTION"
  | "CONNECTION_CLOSED"
  | "INVALID_STATE"
  | "STREAM_FAILED"
  | "UNSUPPORTED_VERSION"
  | "UNKNOWN_ARGUMENT";

/**
 * A session with guacd that cannot go on, for a reason on the client's side of the protocol:
 * timeouts, aborts, configuration mistakes, a connection that ended too early.
 *
 * @example Tell a client used in the wrong state by its code
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacamoleClientError, instruction } from "@guacstream/codec";
 * import { GuacamoleClient } from "@guacstream/codec/client";
 *
 * const client = new GuacamoleClient(new TransformStream<Uint8Array, Uint8Array>());
 * await assert.rejects(
 *   client.sendInstruction(instruction("nop")),
 *   (error) => error instanceof GuacamoleClientError && error.code === "INVALID_STATE",
 * );
 * ```
 */
export class GuacamoleClientError extends Error {
  /** Always `"GuacamoleClientError"`. */
  override readonly name = "GuacamoleClientError";
  /** Stable identifier of the fault. */
  readonly code: GuacamoleClientErrorCode;

  /** Makes the error for `code`; `options.cause` keeps the underlying error. */
  constructor(code: GuacamoleClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
