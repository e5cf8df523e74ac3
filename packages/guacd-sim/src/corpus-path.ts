// The one place that says where the recorded corpus is. Runtime-free (no node:*, no Deno.*
// types): it reads the environment through whichever runtime global exists, so Node tests, Deno
// tests and the bench all resolve the same directory the same way.

/**
 * The environment variable that overrides the corpus directory.
 *
 * @example Name the variable in an error a user can act on
 * ```ts
 * import assert from "node:assert/strict";
 * import { CORPUS_ENV, corpusPath } from "@guacstream/guacd-sim";
 *
 * const hint = `no recordings in ${corpusPath()}: set ${CORPUS_ENV} to where they are`;
 * assert.match(hint, /set GUACSTREAM_CORPUS to/);
 * ```
 */
export const CORPUS_ENV = "GUACSTREAM_CORPUS";

interface RuntimeGlobals {
  process?: { env: Record<string, string | undefined> };
  Deno?: { env: { get(name: string): string | undefined } };
}

function env(name: string): string | undefined {
  const globals = globalThis as RuntimeGlobals;
  if (globals.process !== undefined) return globals.process.env[name];
  try {
    return globals.Deno?.env.get(name);
  } catch {
    return undefined; // Deno without --allow-env: the default applies
  }
}

/**
 * The corpus directory as a `file:` URL ending in `/`: `$GUACSTREAM_CORPUS` if set; else, inside
 * this repository, `shared/corpus` beside it (found from this file, not the working directory,
 * since CI clones the repository with `shared/` next to it); else, in an installed package, the
 * compact corpus the package ships (`corpus/`: every handshake and error case, the sessions cut
 * short).
 *
 * @example Read a recording's path wherever the tests run
 * ```ts
 * import assert from "node:assert/strict";
 * import { corpusUrl } from "@guacstream/guacd-sim";
 *
 * const recording = new URL("handshake-args/vnc.args.guac", corpusUrl());
 * assert.equal(recording.protocol, "file:");
 * assert.match(recording.pathname, /\/corpus\/handshake-args\/vnc\.args\.guac$/);
 * ```
 */
export function corpusUrl(): URL {
  const fromEnv = env(CORPUS_ENV);
  if (fromEnv !== undefined && fromEnv !== "") {
    const dir = fromEnv.endsWith("/") ? fromEnv : `${fromEnv}/`;
    return dir.startsWith("file:") ? new URL(dir) : new URL(`file://${encodeURI(dir)}`);
  }
  return defaultCorpusUrl(import.meta.url);
}

// In the repository this file is <repo>/packages/guacd-sim/{src,dist}/corpus-path.*: the full
// corpus, and a missing one fails loudly. Anywhere else (node_modules, Deno's npm cache) it is
// <package>/dist/corpus-path.js, beside the package's own corpus/.
function defaultCorpusUrl(moduleUrl: string): URL {
  return /\/packages\/guacd-sim\/(src|dist)\/[^/]+$/.test(new URL(moduleUrl).pathname)
    ? new URL("../../../../shared/corpus/", moduleUrl)
    : new URL("../corpus/", moduleUrl);
}

/**
 * The corpus directory as a file-system path: `$GUACSTREAM_CORPUS` as given, else the default
 * directory with a trailing `/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { corpusPath } from "@guacstream/guacd-sim";
 *
 * assert.match(corpusPath(), /corpus\/?$/);
 * ```
 */
export function corpusPath(): string {
  const fromEnv = env(CORPUS_ENV);
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return decodeURIComponent(corpusUrl().pathname);
}

/**
 * Whether tests may skip when the corpus is missing: only away from CI. In CI (`CI` set to
 * anything but `false` or `0`) a missing corpus is a failure, never a silent skip.
 *
 * @example Skip locally, fail in CI
 * ```ts
 * import assert from "node:assert/strict";
 * import { corpusMayBeMissing } from "@guacstream/guacd-sim";
 *
 * assert.equal(corpusMayBeMissing({ CI: "true" }), false);
 * assert.equal(corpusMayBeMissing({}), true);
 * ```
 */
export function corpusMayBeMissing(
  vars: Readonly<Record<string, string | undefined>> = { CI: env("CI") },
): boolean {
  const ci = vars.CI;
  return ci === undefined || ci === "" || ci === "false" || ci === "0";
}
