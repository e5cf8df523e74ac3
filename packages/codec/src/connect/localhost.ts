/**
 * The addresses every transport dials, in this order, for the host name `localhost`.
 *
 * `::1` first: guacd binds the first address its resolver gives for its default bind host,
 * `localhost`, and on a dual-stack host that is `::1` (RFC 6724 ranks it above `127.0.0.1`). A
 * guacd bound to `127.0.0.1` only costs one refused connect on loopback, which is immediate. The
 * list is fixed rather than resolved because `/etc/hosts` often maps `localhost` to one of the two.
 */
export const LOCALHOST_ADDRESSES: readonly string[] = Object.freeze(["::1", "127.0.0.1"]);

/**
 * The host without the brackets of an IPv6 literal (`[::1]` → `::1`); any other host as given.
 *
 * @example A bracketed literal, and a name
 * ```ts
 * import assert from "node:assert/strict";
 * import { unbracketHost } from "@guacstream/codec/transport";
 *
 * assert.equal(unbracketHost("[::1]"), "::1");
 * assert.equal(unbracketHost("guacd.lan"), "guacd.lan");
 * ```
 */
export function unbracketHost(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * The addresses to dial for `host` when it is `localhost` (any case): {@linkcode LOCALHOST_ADDRESSES}.
 * `undefined` for any other host, which the transport resolves or dials as it is.
 *
 * @example `localhost` is both loopback addresses, `::1` first
 * ```ts
 * import assert from "node:assert/strict";
 * import { localhostAddresses } from "@guacstream/codec/transport";
 *
 * assert.deepEqual(localhostAddresses("LocalHost"), ["::1", "127.0.0.1"]);
 * assert.equal(localhostAddresses("127.0.0.1"), undefined);
 * ```
 */
export function localhostAddresses(host: string): readonly string[] | undefined {
  return host.toLowerCase() === "localhost" ? LOCALHOST_ADDRESSES : undefined;
}
