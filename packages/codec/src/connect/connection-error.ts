/**
 * The ways a connection to guacd can fail. Stable strings: match on `code`, never on `message`.
 *
 * - `CONNECTION_REFUSED`: nothing listens at the address (guacd not running, wrong port).
 * - `DNS_FAILURE`: the host name did not resolve.
 * - `CONNECT_TIMEOUT`: name resolution, TCP connect and TLS handshake together took longer than
 *   `timeout`.
 * - `TLS_FAILURE`: the TLS handshake failed (untrusted certificate, host name mismatch, protocol).
 * - `ABORTED`: the caller's `AbortSignal` fired before the connection was established.
 * - `RESET`: the peer reset the connection (TCP RST) or the connection broke after it was open.
 * - `CLOSED`: the connection was already closed (a write after `close()` or after the peer left).
 * - `NETWORK`: any other socket error; `cause` holds the runtime's error.
 *
 * @example Turn a code into advice
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GuacdConnectionErrorCode } from "@guacstream/codec/transport";
 *
 * const advice = (code: GuacdConnectionErrorCode): string =>
 *   code === "CONNECTION_REFUSED" ? "is guacd running?" : code === "TLS_FAILURE" ? "check the CA" : "retry";
 * assert.equal(advice("CONNECTION_REFUSED"), "is guacd running?");
 * ```
 */
export type GuacdConnectionErrorCode =
  | "CONNECTION_REFUSED"
  | "DNS_FAILURE"
  | "CONNECT_TIMEOUT"
  | "TLS_FAILURE"
  | "ABORTED"
  | "RESET"
  | "CLOSED"
  | "NETWORK";

/**
 * The facts carried by a {@linkcode GuacdConnectionError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacdConnectionError, type GuacdConnectionErrorInit } from "@guacstream/codec/transport";
 *
 * const init: GuacdConnectionErrorInit = {
 *   code: "CONNECT_TIMEOUT",
 *   host: "guacd",
 *   port: 4822,
 *   action: "connect to",
 *   reason: "timed out after 10000 ms",
 * };
 * assert.equal(new GuacdConnectionError(init).message, "Cannot connect to guacd at guacd:4822: timed out after 10000 ms");
 * ```
 */
export interface GuacdConnectionErrorInit {
  /** What went wrong. */
  code: GuacdConnectionErrorCode;
  /** The host as the caller gave it. */
  host: string;
  /** The port as the caller gave it. */
  port: number;
  /** What was being attempted, e.g. `"connect to"`, `"read from"`, `"write to"`. */
  action: string;
  /** The state that made it fail, in a few words, e.g. `"connection refused"`. */
  reason: string;
  /** The resolved address that was being used, when one was. */
  address?: string;
  /** The runtime's own error or the abort reason. */
  cause?: unknown;
}

/**
 * A failure to connect to, read from or write to guacd. The message reads
 * `Cannot <action> guacd at <host>:<port>: <reason>`.
 *
 * The one error family every transport reports: `@guacstream/transport-node` and
 * `@guacstream/transport-deno` re-export this class, so `instanceof` holds across them.
 *
 * @example The message a refused connection reads
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacdConnectionError } from "@guacstream/codec/transport";
 *
 * const error = new GuacdConnectionError({
 *   code: "CONNECTION_REFUSED",
 *   host: "127.0.0.1",
 *   port: 4822,
 *   action: "connect to",
 *   reason: "connection refused",
 * });
 * assert.equal(error.message, "Cannot connect to guacd at 127.0.0.1:4822: connection refused");
 * ```
 */
export class GuacdConnectionError extends Error {
  /** What went wrong. */
  readonly code: GuacdConnectionErrorCode;
  /** The host as the caller gave it. */
  readonly host: string;
  /** The port as the caller gave it. */
  readonly port: number;
  /** The resolved address that was being used, if any. */
  readonly address: string | undefined;

  /** Makes the error from what the transport knew; the message names the host, port and fault. */
  constructor(init: GuacdConnectionErrorInit) {
    const where = init.host.includes(":")
      ? `[${init.host}]:${init.port}`
      : `${init.host}:${init.port}`;
    super(
      `Cannot ${init.action} guacd at ${where}: ${init.reason}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = "GuacdConnectionError";
    this.code = init.code;
    this.host = init.host;
    this.port = init.port;
    this.address = init.address;
  }
}
