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
 * The addresses to dial for `host`, in order: {@linkcode LOCALHOST_ADDRESSES} for `localhost` (any
 * case), the address of an IPv6 literal without its brackets, else what `resolve` makes of the
 * host (a transport whose runtime resolves names as it connects returns the name itself).
 *
 * @example `localhost` is both loopback addresses, `::1` first; a name goes to the resolver
 * ```ts
 * import assert from "node:assert/strict";
 * import { dialAddresses } from "@guacstream/codec/transport";
 *
 * const resolve = async (name: string) => (name === "guacd.lan" ? ["10.0.0.7"] : [name]);
 * assert.deepEqual(await dialAddresses("LocalHost", resolve), ["::1", "127.0.0.1"]);
 * assert.deepEqual(await dialAddresses("[::1]", resolve), ["::1"]);
 * assert.deepEqual(await dialAddresses("guacd.lan", resolve), ["10.0.0.7"]);
 * ```
 */
export async function dialAddresses(
  host: string,
  resolve: (host: string) => Promise<readonly string[]>,
): Promise<readonly string[]> {
  if (host.toLowerCase() === "localhost") return LOCALHOST_ADDRESSES;
  const bare = unbracketHost(host);
  return bare === host ? resolve(host) : [bare];
}
