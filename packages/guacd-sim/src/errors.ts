/**
 * Why the simulator refused a request from its user (not from the wire).
 *
 * - `unknown-recording`: a plan names a recording the simulator was not given
 * - `bad-recording`: recording bytes are not a Guacamole instruction stream
 * - `bad-option`: an option value is out of range
 * - `over-capacity`: the reason a connection over `maxSessions` is aborted with (the Node adapter
 *   answers it with a TCP reset)
 */
export type SimulatorErrorCode =
  | "unknown-recording"
  | "bad-recording"
  | "bad-option"
  | "over-capacity";

/**
 * An error in how the simulator was configured or called.
 *
 * @example An option out of range
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacdSimulator, SimulatorError } from "@guacstream/guacd-sim";
 * assert.throws(
 *   () => new GuacdSimulator({ corpus: { args: {}, recordings: {} }, syncTimeoutMs: -1 }),
 *   (error) => error instanceof SimulatorError && error.code === "bad-option",
 * );
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
