import { GuacdConnectionError, type GuacdConnectionErrorCode } from "./connection-error.ts";

/**
 * Where and how a transport connects to guacd: the fields every transport shares. Only the TLS
 * settings are the runtime's own, hence `Tls`.
 *
 * @example A transport's options, with its own TLS settings; unset fields take the defaults
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectAttempt, type GuacdConnectOptions } from "@guacstream/codec/transport";
 *
 * const options: GuacdConnectOptions<{ caCerts?: string[] }> = {
 *   host: "guacd.lan",
 *   tls: { caCerts: ["-----BEGIN CERTIFICATE-----\n…"] },
 *   timeout: 5000,
 * };
 * const where = await connectAttempt(options, async ({ host, port }) => `${host}:${port}`);
 * assert.equal(where, "guacd.lan:4822");
 * ```
 */
export interface GuacdConnectOptions<Tls> {
  /** Host name or IP address of guacd. @default {"127.0.0.1"} */
  host?: string;
  /** TCP port of guacd. @default {4822} */
  port?: number;
  /** `true` for TLS with the runtime's default CA roots, or the TLS settings. @default {false} */
  tls?: boolean | Tls;
  /** Milliseconds for name resolution, TCP connect and TLS handshake together. @default {10000} */
  timeout?: number;
  /** Aborts the connection attempt (it has no effect once `connect()` has resolved). */
  signal?: AbortSignal;
  /** Bytes queued in `readable` before the transport stops reading the socket. @default {65536} */
  highWaterMark?: number;
}

/**
 * One connection attempt as a transport sees it: the options with their defaults, one signal
 * that stops every phase (the deadline or the caller's abort; its reason is the error to throw),
 * and the factory for the attempt's errors. Internal to the transports, public so that each
 * transport file stays thin.
 *
 * @example Every error names the host and port the caller gave
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectAttempt } from "@guacstream/codec/transport";
 *
 * const error = await connectAttempt({ host: "::1" }, async ({ fail }) => {
 *   throw fail("CONNECTION_REFUSED", "connection refused");
 * }).catch((e: Error) => e);
 * assert.equal(error.message, "Cannot connect to guacd at [::1]:4822: connection refused");
 * ```
 */
export interface ConnectAttempt {
  /** The host, as the caller gave it or the default. */
  readonly host: string;
  /** The port, validated. */
  readonly port: number;
  /** The readable side's high-water mark, validated. */
  readonly highWaterMark: number;
  /** Aborts when the deadline passes or the caller aborts; its reason is the error to throw. */
  readonly signal: AbortSignal;
  /** Makes a `"connect to"` error for this attempt. */
  readonly fail: (
    code: GuacdConnectionErrorCode,
    reason: string,
    cause?: unknown,
    address?: string,
  ) => GuacdConnectionError;
}

const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 4822;
const DEFAULT_TIMEOUT = 10_000;
const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

/**
 * Runs a transport's `open` under the options' deadline and abort signal: validates the numbers
 * (`RangeError`), rejects with `ABORTED` at once for an aborted signal, and stops `open` with
 * `CONNECT_TIMEOUT` or `ABORTED` through {@linkcode ConnectAttempt.signal}.
 *
 * @example The deadline stops whatever phase is under way
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectAttempt } from "@guacstream/codec/transport";
 *
 * const never = ({ signal }: { signal: AbortSignal }) =>
 *   new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
 * await assert.rejects(connectAttempt({ timeout: 10 }, never), {
 *   code: "CONNECT_TIMEOUT",
 *   message: "Cannot connect to guacd at 127.0.0.1:4822: timed out after 10 ms",
 * });
 * ```
 */
export async function connectAttempt<T>(
  options: GuacdConnectOptions<unknown>,
  open: (attempt: ConnectAttempt) => Promise<T>,
): Promise<T> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot connect to guacd: port ${port} is not an integer in 0..65535`);
  }
  if (!(timeout > 0))
    throw new RangeError(`Cannot connect to guacd: timeout ${timeout} is not > 0`);
  if (!(highWaterMark >= 0)) {
    throw new RangeError(`Cannot connect to guacd: highWaterMark ${highWaterMark} is not >= 0`);
  }
  const fail: ConnectAttempt["fail"] = (code, reason, cause, address) =>
    new GuacdConnectionError({
      code,
      host,
      port,
      action: "connect to",
      reason,
      ...(cause === undefined ? {} : { cause }),
      ...(address === undefined ? {} : { address }),
    });

  const signal = options.signal;
  if (signal?.aborted) throw fail("ABORTED", "aborted", signal.reason);

  // One controller stops every phase (lookup, TCP, TLS); its reason is the error to throw.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(fail("ABORTED", "aborted", signal?.reason));
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(
    () => stop.abort(fail("CONNECT_TIMEOUT", `timed out after ${timeout} ms`)),
    timeout,
  );
  try {
    return await open({ host, port, highWaterMark, signal: stop.signal, fail });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Tries `open` on each address in turn and resolves with the first that connects. A failure
 * (a `GuacdConnectionError`) moves on to the next address; a stopped attempt does not. When all
 * fail, rejects with the last failure, its reason listing every address tried.
 *
 * @example `localhost` as two loopback addresses, the first refusing
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectAttempt, firstReachable } from "@guacstream/codec/transport";
 *
 * const reached = await connectAttempt({ host: "localhost" }, (attempt) =>
 *   firstReachable(attempt, ["::1", "127.0.0.1"], async (address) => {
 *     if (address === "::1") throw attempt.fail("CONNECTION_REFUSED", "connection refused");
 *     return address;
 *   }),
 * );
 * assert.equal(reached, "127.0.0.1");
 * ```
 */
export async function firstReachable<T>(
  attempt: ConnectAttempt,
  addresses: readonly string[],
  open: (address: string) => Promise<T>,
): Promise<T> {
  let last: GuacdConnectionError | undefined;
  for (const address of addresses) {
    try {
      return await open(address);
    } catch (error) {
      // A refused or unreachable address falls through to the next; a stop does not.
      if (attempt.signal.aborted) throw attempt.signal.reason;
      last = error as GuacdConnectionError;
    }
  }
  if (last !== undefined && addresses.length > 1) {
    const at = last.message.indexOf(": ");
    const reason = at < 0 ? last.message : last.message.slice(at + 2);
    throw attempt.fail(last.code, `${reason} (tried ${addresses.join(", ")})`, last.cause);
  }
  throw last ?? attempt.fail("DNS_FAILURE", "no addresses");
}
