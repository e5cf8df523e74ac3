/**
 * What went wrong in a {@link RedisStoreError}:
 * - `UNAVAILABLE`: the client is not connected (Redis down, unreachable, or still connecting).
 * - `TIMEOUT`: Redis did not answer within the store's `timeout`.
 * - `BAD_REPLY`: Redis answered something the store did not write (another program's key?).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RedisStoreErrorCode } from "@guacstream/tunnel-redis";
 *
 * const code: RedisStoreErrorCode = "TIMEOUT";
 * assert.equal(code, "TIMEOUT");
 * ```
 */
export type RedisStoreErrorCode = "UNAVAILABLE" | "TIMEOUT" | "BAD_REPLY";

/**
 * A shared-state call that Redis (or Valkey) could not answer. The replay guard turns it into a
 * refusal (fail closed); the session registry's callers report it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisStoreError } from "@guacstream/tunnel-redis";
 *
 * const error = new RedisStoreError("TIMEOUT", "Cannot claim token: Redis did not answer in 500 ms");
 * assert.equal(error.code, "TIMEOUT");
 * assert.ok(error instanceof Error);
 * ```
 */
export class RedisStoreError extends Error {
  /** Always `"RedisStoreError"`. */
  override readonly name = "RedisStoreError";
  /** Stable identifier of the fault. */
  readonly code: RedisStoreErrorCode;

  /** A store failure with its `code` and message; `cause` is the client's own error. */
  constructor(code: RedisStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
