// Why the simulator's own parser rejected its input, named after guacd's own parser checks.

/**
 * Why the simulator's wire parser rejected its input, named after guacd's own parser checks.
 *
 * - `bad-length`: a length prefix holds something other than digits before its `.`
 * - `length-too-long`: a length prefix has more than 5 digits
 * - `element-too-long`: an element declares more than 8192 characters
 * - `too-many-elements`: an instruction has more than 128 elements
 * - `instruction-too-long`: an instruction is longer than 32 KiB
 * - `bad-terminator`: an element is not followed by `,` or `;`
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
