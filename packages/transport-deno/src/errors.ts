/**
 * The errors this transport reports: the codec's `GuacdConnectionError` family, re-exported so
 * that `instanceof` and `code` checks are the same for every transport.
 *
 * @example An already-aborted signal: `ABORTED`, before `Deno.connect` is called
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "./connect.ts";
 * import { GuacdConnectionError } from "./errors.ts";
 *
 * const reason = new Error("user left");
 * await assert.rejects(
 *   connect({ signal: AbortSignal.abort(reason) }),
 *   (e) => e instanceof GuacdConnectionError && e.code === "ABORTED" && e.cause === reason,
 * );
 * ```
 *
 * @example A closed port: `CONNECTION_REFUSED`, with the address that refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "./connect.ts";
 * import type { GuacdConnectionError, GuacdConnectionErrorCode } from "./errors.ts";
 *
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = listener.addr.port;
 * listener.close();
 * const error: GuacdConnectionError = await connect({ port }).catch((e) => e);
 * const code: GuacdConnectionErrorCode = error.code;
 * assert.equal(code, "CONNECTION_REFUSED");
 * assert.equal(error.address, "127.0.0.1");
 * ```
 */
export {
  GuacdConnectionError,
  type GuacdConnectionErrorCode,
  type GuacdConnectionErrorInit,
} from "@guacstream/codec/transport";
