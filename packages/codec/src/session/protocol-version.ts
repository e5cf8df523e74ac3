/**
 * The Guacamole protocol versions this library speaks, oldest first. guacd names its version in
 * the first argument of `args`; the client answers with the newest version both sides know.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PROTOCOL_VERSIONS } from "@guacstream/codec/client";
 *
 * assert.equal(PROTOCOL_VERSIONS.at(-1), "VERSION_1_5_0");
 * ```
 */
export const PROTOCOL_VERSIONS: readonly string[] = Object.freeze([
  "VERSION_1_0_0",
  "VERSION_1_1_0",
  "VERSION_1_3_0",
  "VERSION_1_5_0",
]);

const VERSION_PATTERN = /^VERSION_(\d+)_(\d+)_(\d+)$/;

function rank(version: string): number | undefined {
  const match = VERSION_PATTERN.exec(version);
  if (match === null) return undefined;
  return Number(match[1]) * 1_000_000 + Number(match[2]) * 1_000 + Number(match[3]);
}

/**
 * The version to answer guacd with: the newest of ours that is not newer than guacd's. `undefined`
 * when guacd sent no version (guacd before 1.1 lists parameter names only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { negotiateVersion } from "@guacstream/codec/client";
 *
 * assert.equal(negotiateVersion("VERSION_1_5_0"), "VERSION_1_5_0");
 * assert.equal(negotiateVersion("VERSION_1_4_0"), "VERSION_1_3_0");
 * assert.equal(negotiateVersion("VERSION_2_0_0"), "VERSION_1_5_0");
 * assert.equal(negotiateVersion("hostname"), undefined);
 * ```
 */
export function negotiateVersion(offered: string): string | undefined {
  const theirs = rank(offered);
  if (theirs === undefined) return undefined;
  let chosen = PROTOCOL_VERSIONS[0];
  for (const version of PROTOCOL_VERSIONS) if ((rank(version) ?? 0) <= theirs) chosen = version;
  return chosen;
}

/**
 * Whether the negotiated version has a feature: `timezone` (1.1.0), `name` and `required`
 * (1.3.0), `msg` (1.5.0). Without a version (old guacd) only the original handshake applies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { versionAtLeast } from "@guacstream/codec/client";
 *
 * assert.equal(versionAtLeast("VERSION_1_3_0", "VERSION_1_1_0"), true);
 * assert.equal(versionAtLeast(undefined, "VERSION_1_1_0"), false);
 * ```
 */
export function versionAtLeast(version: string | undefined, minimum: string): boolean {
  if (version === undefined) return false;
  return (rank(version) ?? 0) >= (rank(minimum) ?? Number.POSITIVE_INFINITY);
}
