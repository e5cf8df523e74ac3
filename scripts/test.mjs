// The test command: the runners in turn (vitest over every Node project, deno test over the Deno
// transport's suite, deno test --doc over the examples in every published package's doc
// comments), each counted from a machine-readable report, then one closing line with the totals.
// Every runner runs even when one fails, so the totals cover the whole suite; the exit code is
// non-zero when a test failed or a runner exited non-zero with no failed test to show for it.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { publishedPackages, root } from "./packages.mjs";

const results = join(root, ".test-results");
mkdirSync(results, { recursive: true });
const sleepTally = join(results, "real-sleeps.jsonl");
rmSync(sleepTally, { force: true });
const bin = (name) => join(root, "node_modules", ".bin", name);
const extra = process.argv.slice(2);

/**
 * Runs `command`; each output line goes to the console and, for stdout, to `onLine`. The header
 * shows `shown` for the arguments (a long file list is summed up).
 */
function run(label, command, args, onLine = () => {}, shown = args.join(" ")) {
  console.log(`\n=== ${label}: ${relative(root, command)} ${shown}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: ["inherit", "pipe", "inherit"],
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    });
    let rest = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text) => {
      process.stdout.write(text);
      const lines = (rest + text).split("\n");
      rest = lines.pop();
      for (const line of lines) onLine(line);
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (rest !== "") onLine(rest);
      resolve(code ?? 1);
    });
  });
}

/** vitest, counted from its JSON report. */
async function vitest() {
  const report = join(results, "vitest.json");
  rmSync(report, { force: true });
  const code = await run("vitest", bin("vitest"), [
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...extra,
  ]);
  if (!existsSync(report)) return { code, passed: 0, failed: 0 };
  const json = JSON.parse(readFileSync(report, "utf8"));
  // A file that fails to load has no tests to count: count it as a failure.
  const unloaded = (json.testResults ?? []).filter(
    (file) => file.status === "failed" && file.assertionResults.length === 0,
  ).length;
  return {
    code,
    passed: json.numPassedTests ?? 0,
    failed: (json.numFailedTests ?? 0) + unloaded,
  };
}

/**
 * deno test with its TAP reporter, counted from the top-level test points: `ok` / `not ok`
 * lines at column 0 (steps are indented), `# SKIP` for ignored tests (TAP version 14).
 */
async function denoTest(label, args, files = []) {
  const counts = { passed: 0, failed: 0 };
  const count = (line) => {
    if (line.startsWith("not ok ")) counts.failed++;
    else if (line.startsWith("ok ") && !/ # SKIP\b/i.test(line)) counts.passed++;
  };
  const all = ["test", "--reporter=tap", ...args];
  const shown = files.length === 0 ? all : [...all, `<${files.length} files>`];
  const code = await run(label, bin("deno"), [...all, ...files], count, shown.join(" "));
  return { code, ...counts };
}

/** The files of `dir` (recursively) that are modules with examples: not tests, helpers or programs. */
function filesWithExamples(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => {
      const parts = relative(dir, file).split(/[\\/]/);
      const name = parts.at(-1);
      if (parts.some((part) => part.startsWith(".") || part === "node_modules")) return false;
      if (!name.endsWith(".ts") || name.startsWith("_") || /[._]test\.ts$/.test(name)) return false;
      const text = readFileSync(file, "utf8");
      return text.includes("@example") && !text.startsWith("#!");
    })
    .sort();
}

/**
 * The import map the examples run under: every published package's names pointed at its sources
 * (examples import the package by name), each npm dependency from the npm registry, and the
 * compiler options the packages are written to.
 */
function docConfig(packages) {
  const imports = {};
  for (const pkg of packages) {
    for (const [specifier, file] of Object.entries(pkg.exports)) {
      imports[specifier] = `./${relative(results, file)}`;
    }
    const npm = { ...pkg.npm?.dependencies, ...pkg.npm?.peerDependencies };
    for (const [name, version] of Object.entries(npm)) {
      if (!version.startsWith("workspace:")) imports[name] ??= `npm:${name}@${version}`;
    }
  }
  const codec = JSON.parse(readFileSync(join(root, "packages", "codec", "deno.json"), "utf8"));
  const path = join(results, "deno-doc.json");
  writeFileSync(
    path,
    `${JSON.stringify({ imports, nodeModulesDir: "none", compilerOptions: codec.compilerOptions }, null, 2)}\n`,
  );
  return path;
}

const packages = publishedPackages();
const docConfigPath = docConfig(packages);
// Sockets, temporary files, the corpus, child processes (openssl, redis-server, deno), settings,
// and free disk space (the recorder's floor).
const permissions = ["--allow-net", "--allow-read", "--allow-write", "--allow-run", "--allow-env"];
const docPermissions = [...permissions, "--allow-sys"];
const runners = [
  ["vitest", vitest],
  [
    "deno test (transport-deno)",
    () => denoTest("deno test (transport-deno)", [...permissions, "packages/transport-deno/"]),
  ],
  // One run a package, so that an example that does not type-check stops only its own package.
  // New packages are picked up from their manifests (scripts/packages.mjs).
  ...packages.map((pkg) => {
    const label = `deno test --doc (${pkg.name})`;
    const files = filesWithExamples(join(pkg.dir, "src")).map((file) => relative(root, file));
    const args = ["--doc", `--config=${docConfigPath}`, ...docPermissions];
    return [
      label,
      () => (files.length === 0 ? { code: 0, passed: 0, failed: 0 } : denoTest(label, args, files)),
    ];
  }),
];

let passed = 0;
let failed = 0;
const broken = [];
for (const [label, runner] of runners) {
  const outcome = await runner();
  passed += outcome.passed;
  failed += outcome.failed;
  if (outcome.code !== 0 && outcome.failed === 0) broken.push(label);
}

/** The real time the tests spent in `sleepReal`, summed over every test file's tally. */
function realSleeps() {
  if (!existsSync(sleepTally)) return { ms: 0, files: 0 };
  const lines = readFileSync(sleepTally, "utf8").split("\n").filter(Boolean);
  const files = new Set();
  let ms = 0;
  for (const line of lines) {
    const entry = JSON.parse(line);
    ms += entry.ms;
    files.add(entry.file);
  }
  return { ms, files: files.size };
}

console.log("");
const slept = realSleeps();
console.log(`real sleeps in tests: ${(slept.ms / 1000).toFixed(1)} s in ${slept.files} file(s)`);
for (const label of broken) console.log(`${label} failed without a failing test (see above).`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken.length > 0 ? 1 : 0);
