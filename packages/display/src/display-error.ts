/** What went wrong, as a stable string a program can branch on. */
export type DisplayErrorCode =
  /** An instruction's argument is not a number where one is needed, or a size is negative. */
  | "BAD_ARGUMENT"
  /** A layer would need more pixels than the display's pixel budget has left. */
  | "PIXEL_BUDGET"
  /** A `blob` or `end` names a stream that is not open. */
  | "UNKNOWN_STREAM"
  /** An image stream grew past `maxStreamBytes`; it is dropped. */
  | "STREAM_TOO_LARGE"
  /** An `img` would open more than `maxOpenStreams` streams at once; it is refused. */
  | "TOO_MANY_STREAMS"
  /** The image decoder rejected an image (malformed bytes, an unsupported mimetype). */
  | "IMAGE_DECODE_FAILED"
  /** guacd sent more drawing without a `sync` than `maxPendingTasks`; a frame is forced. */
  | "TOO_MANY_TASKS"
  /** An instruction guacamole-common-js itself cannot carry out (`lstroke`); it is skipped. */
  | "UNSUPPORTED"
  /** A visual wait ran out of time. */
  | "TIMEOUT"
  /** A visual wait was aborted through its signal. */
  | "ABORTED"
  /** A region lies outside the display. */
  | "BAD_REGION";

/**
 * A failure of the headless display. Problems with what guacd sent are not thrown: the
 * instruction is skipped and the error is reported through the display's `onError`.
 *
 * @example Tell a pixel-budget refusal from other skips
 * ```ts
 * import assert from "node:assert/strict";
 * import { DisplayError, HeadlessDisplay } from "@guacstream/display";
 *
 * const skipped: DisplayError[] = [];
 * const display = new HeadlessDisplay({ onError: (error) => skipped.push(error) });
 * display.apply({ opcode: "size", args: ["0", "100000", "100000"] });
 * display.apply({ opcode: "sync", args: ["1"] });
 * await display.settled();
 * assert.equal(skipped[0]?.code, "PIXEL_BUDGET");
 * assert.equal(display.width, 0);
 * ```
 */
export class DisplayError extends Error {
  /** What went wrong. */
  readonly code: DisplayErrorCode;
  /** The opcode of the instruction that was skipped, if one was. */
  readonly opcode: string | undefined;

  /** An error with a code, a message and, optionally, the skipped instruction's opcode. */
  constructor(
    code: DisplayErrorCode,
    message: string,
    options: { opcode?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DisplayError";
    this.code = code;
    this.opcode = options.opcode;
  }
}
