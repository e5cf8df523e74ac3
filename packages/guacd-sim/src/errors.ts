/**
 * Why the simulator's wire parser rejected its input, named after guacd's own parser checks.
 *
 * - `bad-length`: a length prefix holds something other than digits before its `.`
 * - `length-too-long`: a length prefix has more than 5 digits
 * - `element-too-long`: an element declares more than 8192 characters
 * - `too-many-elements`: an instruction has more than 128 elements
 * - `instruction-too-long`: an instruction is longer than 32 KiB
 * - `bad-terminator`: an element is not followed by `,` or `;`
 *
 * @example Switch on the code
 * ```ts
 * import assert from "node:assert/strict";
 * import { type WireErrorCode, WireParser } from "@guacstream/guacd-sim";
 * let code: WireErrorCode | undefined;
 * try {
 *   new WireParser().push(new TextEncoder().encode("3.abcd;"));
 * } catch (error) {
 *   code = (error as { code: WireErrorCode }).code;
 * }
 * assert.equal(code, "bad-terminator");
 * ```
 */
export type WireErrorCode =
  | "bad-length"
  | "length-too-long"
  | "element-too-long"
  | "too-many-elements"
  | "instruction-too-long"
  | "bad-terminator";

/**
 * A malformed Guacamole instruction; `offset` is the byte offset in the stream where it failed.
 *
 * @example Catch a parse failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { WireError, WireParser } from "@guacstream/guacd-sim";
 * assert.throws(() => new WireParser().push(new TextEncoder().encode("xyz;")), WireError);
 * ```
 */
export class WireError extends SyntaxError {
  /** What was wrong. */
  readonly code: WireErrorCode;
  /** Byte offset in the parsed stream of the offending byte. */
  readonly offset: number;

  constructor(code: WireErrorCode, offset: number, message: string) {
    super(message);
    this.name = "WireError";
    this.code = code;
    this.offset = offset;
  }
}

/**
 * Why the simulator refused a request from its user (not from the wire).
 *
 * - `unknown-recording`: a plan names a recording the simulator was not given
 * - `bad-recording`: recording bytes are not a Guacamole instruction stream
 * - `bad-option`: an option value is out of range
 * - `over-capacity`: the reason a connection over `maxSessions` is aborted with (the Node adapter
 *   answers it with a TCP reset)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SimulatorErrorCode } from "@guacstream/guacd-sim";
 * const code: SimulatorErrorCode = "unknown-recording";
 * assert.equal(code, "unknown-recording");
 * ```
 */
export type SimulatorErrorCode =
  | "unknown-recording"
  | "bad-recording"
  | "bad-option"
  | "over-capacity";

/**
 * An error in how the simulator was configured or called.
 *
 * @example Ask for a recording that was never loaded
 * ```ts
 * import assert from "node:assert/strict";
 * import { SimulatorError } from "@guacstream/guacd-sim";
 * const error = new SimulatorError("unknown-recording", "Cannot replay: no recording named x");
 * assert.equal(error.code, "unknown-recording");
 * ```
 */
export class SimulatorError extends Error {
  /** What was wrong. */
  readonly code: SimulatorErrorCode;

  constructor(code: SimulatorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SimulatorError";
    this.code = code;
  }
}
