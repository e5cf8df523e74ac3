// The published packages, as the release scripts see them: each packages/* directory with its npm
// manifest (package.json, unless private) and its JSR config (deno.json, unless `publish: false`),
// and its entry points (source files), read from those manifests so a new subpath export is
// picked up without editing a script.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function readJson(path) {
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : undefined;
}

/** `exports` of a deno.json (a string or a map) or of a package.json (its source condition). */
function entryPoints(jsr, npm) {
  if (jsr?.exports !== undefined) {
    return typeof jsr.exports === "string" ? [jsr.exports] : Object.values(jsr.exports);
  }
  return Object.values(npm?.exports ?? {})
    .map((target) => (typeof target === "string" ? target : target["@guacstream/source"]))
    .filter((target) => typeof target === "string");
}

/** `{ "<name>" | "<name>/<subpath>": source file }` from the exports of a deno.json or package.json. */
function exportMap(name, jsr, npm) {
  const raw = jsr?.exports ?? npm?.exports ?? {};
  const exports = typeof raw === "string" ? { ".": raw } : raw;
  const map = {};
  for (const [subpath, target] of Object.entries(exports)) {
    const file = typeof target === "string" ? target : target["@guacstream/source"];
    if (typeof file === "string") map[subpath === "." ? name : `${name}${subpath.slice(1)}`] = file;
  }
  return map;
}

/**
 * Every packages/* directory that publishes to npm or JSR: its name, manifests, entry points
 * (absolute source paths), and `exports`, each import specifier mapped to its absolute source path.
 */
export function publishedPackages() {
  return readdirSync(join(root, "packages"))
    .map((name) => {
      const dir = join(root, "packages", name);
      const packageJson = readJson(join(dir, "package.json"));
      const denoJson = readJson(join(dir, "deno.json"));
      const npm = packageJson?.private === true ? undefined : packageJson;
      const jsr = denoJson?.name !== undefined && denoJson.publish !== false ? denoJson : undefined;
      return { dir, name: npm?.name ?? jsr?.name, npm, jsr, entries: entryPoints(jsr, npm) };
    })
    .filter((pkg) => pkg.npm !== undefined || pkg.jsr !== undefined)
    .map((pkg) => ({
      ...pkg,
      entries: pkg.entries.map((entry) => join(pkg.dir, entry)),
      exports: Object.fromEntries(
        Object.entries(exportMap(pkg.name, pkg.jsr, pkg.npm)).map(([spec, file]) => [
          spec,
          join(pkg.dir, file),
        ]),
      ),
    }));
}
