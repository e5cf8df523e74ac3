#!/usr/bin/env node
// `pnpm release`: everything a release needs, as one command. Runs `pnpm lint` (Biome, the
// type-check, and the JSR lint: `deno doc --lint` and the workspace's `deno publish --dry-run`),
// the consumer smoke test from the packed tarballs, then `npm publish --dry-run` for every npm
// tarball and `deno publish --dry-run` for every JSR package and for the Deno workspace as a whole
// (from a clean git tree). With `--publish` (once npm and JSR credentials exist) it then publishes
// those same tarballs and packages for real; nothing is published unless every dry run passed.
//
//   pnpm release              # dry runs only
//   pnpm release --publish    # the real release
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const deno = join(root, "node_modules", ".bin", "deno");
const publish = process.argv.includes("--publish");

function run(command, args, cwd = root) {
  console.log(`\n=== release: ${command} ${args.join(" ")}${cwd === root ? "" : ` (in ${cwd})`}`);
  const result = spawnSync(command, args, {
    cwd,
    stdio: "inherit",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`release: \`${command} ${args.join(" ")}\` failed; nothing was published`);
    process.exit(1);
  }
}

/** The JSR packages: the Deno workspace's members that are published. */
function jsrPackages() {
  const workspace = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).workspace;
  return workspace
    .map((dir) => join(root, dir))
    .filter((dir) => {
      const config = JSON.parse(readFileSync(join(dir, "deno.json"), "utf8"));
      return config.name !== undefined && config.publish !== false;
    });
}

const work = mkdtempSync(join(tmpdir(), "guacstream-release-"));
try {
  run("pnpm", ["run", "lint"]);
  run("node", ["scripts/smoke.mjs", "--keep", work]);

  const tarballs = readdirSync(join(work, "tarballs")).map((f) => join(work, "tarballs", f));
  for (const tarball of tarballs) {
    run("npm", ["publish", "--dry-run", "--access", "public", tarball]);
  }
  for (const dir of jsrPackages()) run(deno, ["publish", "--dry-run"], dir);
  run(deno, ["publish", "--dry-run"]);

  if (publish) {
    for (const tarball of tarballs) run("npm", ["publish", "--access", "public", tarball]);
    run(deno, ["publish"]);
    console.log("\nrelease: published");
  } else {
    console.log("\nrelease: every dry run passed (add --publish to publish)");
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
