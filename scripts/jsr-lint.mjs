#!/usr/bin/env node
// The JSR side of `pnpm lint`: `deno doc --lint` over every JSR package's entry points (each export
// documented, no public signature referring to a type the package does not export, which JSR would
// show as opaque), then `deno publish --dry-run` of the Deno workspace (slow types, file lists,
// licenses) with uncommitted changes allowed.
import { spawnSync } from "node:child_process";
import { join, relative } from "node:path";
import { publishedPackages, root } from "./packages.mjs";

const deno = join(root, "node_modules", ".bin", "deno");
const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
let failed = false;
for (const pkg of publishedPackages().filter((p) => p.jsr !== undefined)) {
  const entries = pkg.entries.map((entry) => relative(pkg.dir, entry));
  const result = spawnSync(deno, ["doc", "--lint", ...entries], {
    cwd: pkg.dir,
    stdio: ["ignore", "ignore", "inherit"],
    env,
  });
  console.log(`deno doc --lint ${pkg.name}: ${result.status === 0 ? "ok" : "FAILED"}`);
  if (result.status !== 0) failed = true;
}
const publish = spawnSync(deno, ["publish", "--dry-run", "--allow-dirty"], {
  cwd: root,
  encoding: "utf8",
  env: { ...env, NO_COLOR: "1" },
});
console.log(`deno publish --dry-run (workspace): ${publish.status === 0 ? "ok" : "FAILED"}`);
if (publish.status !== 0) {
  process.stderr.write(`${publish.stdout}${publish.stderr}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
