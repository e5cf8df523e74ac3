#!/usr/bin/env node
// The JSR side of `pnpm lint`: `deno doc --lint` over the entry points of every JSR package (each
// export documented; no public signature referring to a type that no package exports, which JSR
// would show as opaque), then `deno publish --dry-run` of the Deno workspace (slow types, file
// lists, licenses) with uncommitted changes allowed. The packages are linted together because a
// type one of them re-uses from another (the tunnel's `Instruction`, the Deno transport's
// `ConnectGuacamoleWithOptions`) is public where it is published: in that other package.
import { spawnSync } from "node:child_process";
import { join, relative } from "node:path";
import { publishedPackages, root } from "./packages.mjs";

const deno = join(root, "node_modules", ".bin", "deno");
const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1" };
let failed = false;
const jsr = publishedPackages().filter((p) => p.jsr !== undefined);
const entries = jsr.flatMap((p) => p.entries.map((entry) => relative(root, entry)));
const lint = spawnSync(deno, ["doc", "--lint", ...entries], {
  cwd: root,
  stdio: ["ignore", "ignore", "inherit"],
  env,
});
const names = jsr.map((p) => p.name).join(", ");
console.log(`deno doc --lint (${names}): ${lint.status === 0 ? "ok" : "FAILED"}`);
if (lint.status !== 0) failed = true;
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
