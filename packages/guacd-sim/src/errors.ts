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
