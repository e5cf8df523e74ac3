#!/usr/bin/env node
// `deno doc --lint` over every JSR package's entry points: each export documented, no public
// signature referring to a type the package does not export (JSR shows such a type as opaque).
import { spawnSync } from "node:child_process";
import { join, relative } from "node:path";
import { publishedPackages, root } from "./packages.mjs";

let failed = false;
for (const pkg of publishedPackages().filter((p) => p.jsr !== undefined)) {
  const entries = pkg.entries.map((entry) => relative(pkg.dir, entry));
  const result = spawnSync(
    join(root, "node_modules", ".bin", "deno"),
    ["doc", "--lint", ...entries],
    {
      cwd: pkg.dir,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
    },
  );
  console.log(`deno doc --lint ${pkg.name}: ${result.status === 0 ? "ok" : "FAILED"}`);
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
