#!/usr/bin/env node
// `pnpm docs`: the API reference of every published package as HTML, by `deno doc --html`, in
// docs/api/ (not committed). Open docs/api/index.html.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { publishedPackages, root } from "./packages.mjs";

const output = join(root, "docs", "api");
rmSync(output, { recursive: true, force: true });
mkdirSync(output, { recursive: true });
const entries = publishedPackages().flatMap((pkg) => pkg.entries.map((e) => relative(root, e)));
const result = spawnSync(
  join(root, "node_modules", ".bin", "deno"),
  ["doc", "--html", "--name=guacstream", `--output=${relative(root, output)}`, ...entries],
  { cwd: root, stdio: "inherit", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } },
);
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`docs: open ${relative(process.cwd(), join(output, "index.html"))}`);
