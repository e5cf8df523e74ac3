// Type-checks every tsconfig in the workspace (each package's source config and its test config),
// so `pnpm lint` fails on a type error anywhere, tests included.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", ".bin", "tsc");
// examples/*: the example brokers and their tests (a Deno-only example has no tsconfig here).
const examples = existsSync(join(root, "examples")) ? readdirSync(join(root, "examples")) : [];
const dirs = [
  ...readdirSync(join(root, "packages")).map((d) => join("packages", d)),
  ...examples.map((d) => join("examples", d)),
  "bench",
];
let failed = false;
for (const dir of dirs) {
  if (!existsSync(join(root, dir))) continue;
  for (const file of readdirSync(join(root, dir))) {
    if (!/^tsconfig(\.[a-z]+)?\.json$/.test(file) || file === "tsconfig.build.json") continue;
    const project = join(dir, file);
    try {
      execFileSync(tsc, ["-p", project, "--noEmit"], { cwd: root, stdio: "inherit" });
      console.log(`typecheck ok: ${project}`);
    } catch {
      failed = true;
      console.log(`typecheck FAILED: ${project}`);
    }
  }
}
process.exit(failed ? 1 : 0);
