/**
 * What went wrong in a {@link RedisStoreError}:
 * - `UNAVAILABLE`: the client is not connected (Redis down, unreachable, or still connecting).
 * - `TIMEOUT`: Redis did not answer within the store's `timeout`.
 * - `BAD_REPLY`: Redis answered something the store did not write (another program's key?).
 */
export type RedisStoreErrorCode = "UNAVAILABLE" | "TIMEOUT" | "BAD_REPLY";

/**
 * A shared-state call that Redis (or Valkey) could not answer. The replay guard turns it into a
 * refusal (fail closed); the session registry's callers report it.
 *
 * @example A store that does not answer in time
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisReplayStore, RedisStoreError } from "@guacstream/tunnel-redis";
 *
 * const silent = { sendCommand: () => new Promise<never>(() => {}) };
 * const store = new RedisReplayStore(silent, { timeout: 20 });
 * await assert.rejects(
 *   store.claim("token-id", Date.now() + 60_000, Date.now()),
 *   (error) => error instanceof RedisStoreError && error.code === "TIMEOUT",
 * );
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
