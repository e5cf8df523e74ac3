// The test command: vitest (every Node project) and Deno (the Deno transport's suite and the
// runnable examples in doc comments), then one closing line with the totals over both runners.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const results = join(root, ".test-results");
mkdirSync(results, { recursive: true });
const bin = (name) => join(root, "node_modules", ".bin", name);
const extra = process.argv.slice(2);

let passed = 0;
let failed = 0;
let broken = false;

function run(label, command, args) {
  console.log(`\n=== ${label}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: "utf8",
    stdio: "inherit",
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (result.error) throw result.error;
  return result;
}

// 1. vitest, with a JSON report to count from.
const vitestReport = join(results, "vitest.json");
const vitest = run("vitest", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${vitestReport}`,
  ...extra,
]);
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // A file that fails to load has no tests to count: count it as a failure.
  failed += (report.testResults ?? []).filter(
    (f) => f.status === "failed" && f.assertionResults.length === 0,
  ).length;
}
if (vitest.status !== 0 && failed === 0) broken = true;

// 2. Deno: its transport's suite, and every runnable example in the Deno-published packages.
// Totals from Deno's JUnit report, not from its human output.
function denoCounts(report) {
  if (!existsSync(report)) return undefined;
  const xml = readFileSync(report, "utf8");
  const head = xml.match(/<testsuites\b[^>]*>/)?.[0];
  if (head === undefined) return undefined;
  const attribute = (name) => Number(head.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
  const skipped = (xml.match(/<skipped\b/g) ?? []).length;
  const failed = attribute("failures") + attribute("errors");
  return { passed: attribute("tests") - failed - skipped, failed };
}

function denoRun(label, name, args) {
  const report = join(results, `deno-${name}.xml`);
  rmSync(report, { force: true });
  const result = run(label, bin("deno"), [args[0], `--junit-path=${report}`, ...args.slice(1)]);
  const counts = denoCounts(report);
  if (counts) {
    passed += counts.passed;
    failed += counts.failed;
  }
  if (result.status !== 0 && (!counts || counts.failed === 0)) broken = true;
}

// Every source file below `dir`, subfolders included (moving a file must not drop its examples).
const docFiles = (dir) =>
  readdirSync(join(root, dir), { recursive: true })
    .map((f) => f.split(sep).join("/"))
    .filter((f) => {
      const name = f.split("/").at(-1);
      return (
        name.endsWith(".ts") &&
        !name.startsWith("_") &&
        !name.endsWith(".test.ts") &&
        !name.endsWith("_test.ts")
      );
    })
    .map((f) => `${dir}/${f}`);

if (existsSync(join(root, "packages/transport-deno/src/connect_test.ts"))) {
  denoRun("deno test (transport-deno)", "transport", [
    "test",
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-run",
    "--allow-env",
    "packages/transport-deno/",
  ]);
}
const examples = [
  "packages/codec/src",
  "packages/transport-deno/src",
  "packages/tunnel/src",
].filter((d) => existsSync(join(root, d)));
denoRun("deno test --doc (examples)", "doc", [
  "test",
  "--doc",
  "--allow-net",
  "--allow-read",
  ...examples.flatMap(docFiles),
]);

console.log("");
if (broken) console.log("A runner failed without a failing test (see its output above).");
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken ? 1 : 0);
