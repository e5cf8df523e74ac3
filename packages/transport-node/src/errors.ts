/**
 * The errors this transport reports: the codec's `GuacdConnectionError` family, re-exported so
 * that `instanceof` and `code` checks are the same for every transport.
 *
 * @example An already-aborted signal: `ABORTED`, before any socket is opened
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "./connect.ts";
 * import { GuacdConnectionError } from "./errors.ts";
 *
 * const reason = new Error("user left");
 * const error = await connect({ signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
 * assert.ok(error instanceof GuacdConnectionError);
 * assert.equal(error.code, "ABORTED");
 * assert.equal(error.cause, reason);
 * ```
 *
 * @example A refused connection names the address that refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:net";
 * import { connect } from "./connect.ts";
 * import { GuacdConnectionError } from "./errors.ts";
 *
 * const server = createServer().listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * const { port } = server.address() as { port: number };
 * await new Promise((resolve) => server.close(resolve));
 * const error = await connect({ port }).catch((e: unknown) => e);
 * assert.ok(error instanceof GuacdConnectionError);
 * assert.equal(error.code, "CONNECTION_REFUSED");
 * assert.equal(error.address, "127.0.0.1");
 * ```
 *
 * @example A write after close rejects with `CLOSED`
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:net";
 * import { connect } from "./connect.ts";
 * import { GuacdConnectionError } from "./errors.ts";
 *
 * const server = createServer((socket) => socket.resume()).listen(0, "127.0.0.1");
 * await new Promise((resolve) => server.once("listening", resolve));
 * try {
 *   const connection = await connect({ port: (server.address() as { port: number }).port });
 *   const writer = connection.writable.getWriter();
 *   await connection.close();
 *   const error = await writer.write(new Uint8Array([1])).catch((e: unknown) => e);
 *   assert.ok(error instanceof GuacdConnectionError);
 *   assert.equal(error.code, "CLOSED");
 * } finally {
 *   server.close();
 * }
 * ```
 */
export {
  GuacdConnectionError,
  type GuacdConnectionErrorCode,
  type GuacdConnectionErrorInit,
} from "@guacstream/codec/transport";
