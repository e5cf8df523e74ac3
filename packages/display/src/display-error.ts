import type { DisplayErrorCode } from "./display-error-code.ts";

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
