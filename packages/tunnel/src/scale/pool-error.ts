/**
 * What went wrong in a {@link PoolError}:
 * - `NO_ENDPOINT`: no endpoint is up (and not draining) that matches the constraints.
 * - `UNKNOWN_ENDPOINT`: a named endpoint is not in the pool.
 * - `CONNECT_FAILED`: every endpoint tried refused or timed out; `cause` holds the last failure.
 * - `DEADLINE`: the deadline passed before any endpoint answered.
 * - `PROBE_FAILED`: a health probe got something other than guacd's `args` reply.
 * - `ABORTED`: the caller's signal aborted the attempt.
 */
export type PoolErrorCode =
  | "NO_ENDPOINT"
  | "UNKNOWN_ENDPOINT"
  | "CONNECT_FAILED"
  | "DEADLINE"
  | "PROBE_FAILED"
  | "ABORTED";

/**
 * A failure of a {@link GuacdPool}: no endpoint to use, or none answered in time. `tried` names the
 * endpoints that were attempted, in order.
 *
 * @example Every endpoint refuses
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacdPool, PoolError } from "@guacstream/tunnel";
 *
 * const pool = new GuacdPool({
 *   endpoints: [{ id: "a", host: "10.0.0.1", port: 4822 }, { id: "b", host: "10.0.0.2", port: 4822 }],
 *   connect: () => Promise.reject(new Error("ECONNREFUSED")),
 * });
 * await assert.rejects(
 *   pool.connect(),
 *   (error) => error instanceof PoolError && error.code === "CONNECT_FAILED" && error.tried.join() === "a,b",
 * );
 * ```
 */
export class PoolError extends Error {
  /** Always `"PoolError"`. */
  override readonly name = "PoolError";
  /** Stable identifier of the fault. */
  readonly code: PoolErrorCode;
  /** The endpoint ids attempted, in order. */
  readonly tried: readonly string[];

  /** A pool failure with its `code`, message and the endpoints tried. */
  constructor(
    code: PoolErrorCode,
    message: string,
    tried: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.tried = tried;
  }
}
