import type { ConnectAttempt } from "./connect-attempt.ts";
import { GuacdConnectionError, type GuacdConnectionErrorCode } from "./connection-error.ts";

/**
 * What went wrong with a socket, as a transport classifies its runtime's error (by code on Node,
 * by class on Deno). The tables below turn it into the one `code` and reason text every
 * transport reports, so the same fault reads the same on every runtime.
 */
export type SocketFault = "refused" | "dns" | "reset" | "timeout" | "tls" | "closed" | "network";

// While connecting: [code, reason]; the detail is the runtime's code or message.
const CONNECT: Record<SocketFault, [GuacdConnectionErrorCode, (detail: string) => string]> = {
  refused: ["CONNECTION_REFUSED", () => "connection refused"],
  dns: ["DNS_FAILURE", (detail) => `cannot resolve host name (${detail})`],
  reset: ["RESET", () => "connection reset by peer"],
  timeout: ["CONNECT_TIMEOUT", () => "timed out (ETIMEDOUT)"],
  tls: ["TLS_FAILURE", (detail) => `TLS handshake failed: ${detail}`],
  closed: ["CLOSED", () => "connection closed"],
  network: ["NETWORK", (detail) => detail],
};

// Once open, only a reset, a close and a TLS alert (e.g. a refused client certificate, which TLS
// 1.3 reports after the handshake) have codes of their own.
const OPEN: Record<SocketFault, [GuacdConnectionErrorCode, (detail: string) => string]> = {
  refused: CONNECT.network,
  dns: CONNECT.network,
  reset: CONNECT.reset,
  timeout: CONNECT.network,
  tls: ["TLS_FAILURE", (detail) => `TLS failure: ${detail}`],
  closed: CONNECT.closed,
  network: CONNECT.network,
};

/** The message of an error, or its text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The error for a fault while connecting to `address`, through the attempt's `fail` (so it names
 * the host and port the caller gave). `detail` defaults to the cause's message.
 *
 * @example A refused connect reads the same on every runtime
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectAttempt, connectFailure } from "@guacstream/codec/transport";
 *
 * const error = await connectAttempt({ port: 4822 }, async ({ fail }) => {
 *   throw connectFailure(fail, "refused", new Error("ECONNREFUSED"), "127.0.0.1");
 * }).catch((e: Error & { code: string }) => e);
 * assert.equal(error.code, "CONNECTION_REFUSED");
 * assert.equal(error.message, "Cannot connect to guacd at 127.0.0.1:4822: connection refused");
 * ```
 */
export function connectFailure(
  fail: ConnectAttempt["fail"],
  fault: SocketFault,
  cause: unknown,
  address?: string,
  detail: string = messageOf(cause),
): GuacdConnectionError {
  const [code, reason] = CONNECT[fault];
  return fail(code, reason(detail), cause, address);
}

/**
 * The error for a fault on an open connection, while `action` (`"read from"`, `"write to"`).
 *
 * @example A reset while reading
 * ```ts
 * import assert from "node:assert/strict";
 * import { ioFailure } from "@guacstream/codec/transport";
 *
 * const error = ioFailure({ host: "::1", port: 4822 }, "reset", new Error("ECONNRESET"), "read from");
 * assert.equal(error.code, "RESET");
 * assert.equal(error.message, "Cannot read from guacd at [::1]:4822: connection reset by peer");
 * ```
 */
export function ioFailure(
  where: { readonly host: string; readonly port: number },
  fault: SocketFault,
  cause: unknown,
  action: string,
): GuacdConnectionError {
  const [code, reason] = OPEN[fault];
  return new GuacdConnectionError({
    code,
    host: where.host,
    port: where.port,
    action,
    reason: reason(messageOf(cause)),
    ...(cause === undefined ? {} : { cause }),
  });
}
