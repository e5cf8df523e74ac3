#!/usr/bin/env node
// The consumer smoke test: what someone installing the published packages gets, proven from the
// packed tarballs (never the workspace). Builds every package afresh, packs each with `pnpm pack`
// (workspace:* becomes a version, publishConfig applies), checks each tarball ships only runtime
// files, installs them with npm into a fresh temporary project, then:
//   (a) Node: an ESM and a CommonJS program decode, handshake with the installed simulator (started
//       with `npx @guacstream/guacd-sim`, and in-process on its bundled corpus) and close;
//   (b) Deno: the same through npm: specifiers;
//   (c) Bun (the `bun` npm package): the ESM and CommonJS programs;
//   (d) an esbuild browser bundle of the codec: no node: imports, its size printed, and it runs;
//   (e) tsc: a consumer with lib ES2023 + @types/node and one with the DOM lib only compile with
//       skipLibCheck false.
// Exits non-zero on the first failure.
//
//   node scripts/smoke.mjs [--keep DIR]    (--keep: put the project and tarballs in DIR and keep it)
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { publishedPackages, root } from "./packages.mjs";

const fixtures = join(root, "scripts", "smoke");
const bin = (name) => join(root, "node_modules", ".bin", name);
const keepFlag = process.argv.indexOf("--keep");
const work =
  keepFlag >= 0
    ? resolve(process.argv[keepFlag + 1] ?? "smoke-out")
    : mkdtempSync(join(tmpdir(), "guacstream-smoke-"));
const started = Date.now();

function step(title) {
  console.log(`\n=== smoke: ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? work,
    encoding: "utf8",
    stdio: options.capture ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    timeout: options.timeout ?? 120_000,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    if (options.capture) process.stderr.write(`${result.stdout}${result.stderr}`);
    throw new Error(`smoke: \`${command} ${args.join(" ")}\` exited with ${result.status}`);
  }
  return result.stdout ?? "";
}

/**
 * What a tarball may hold: package.json, README, LICENSE, CHANGELOG, dist, the sources dist was
 * built from (for the source maps), and data the package declares. Nothing that is a test, a
 * test helper or a tsconfig, and no src file without its dist twin (a helper the build skipped).
 */
function checkTarballFiles(name, files) {
  const problems = [];
  const set = new Set(files);
  for (const file of ["package.json", "README.md", "LICENSE", "CHANGELOG.md"]) {
    if (!set.has(file)) problems.push(`missing ${file}`);
  }
  for (const file of files) {
    if (/(^|\/)tsconfig[^/]*\.json$/.test(file)) problems.push(`ships ${file}`);
    if (/\.test\.|_test\.|(^|\/)_test-utils\.|(^|\/)_arbitraries\./.test(file)) {
      problems.push(`ships test file ${file}`);
    }
    const src = /^src\/(.+)\.ts$/.exec(file);
    if (src && !set.has(`dist/${src[1]}.js`)) problems.push(`ships ${file} but not its dist/*.js`);
    const js = /^dist\/(.+)\.js$/.exec(file);
    if (js && !set.has(`dist/${js[1]}.d.ts`)) problems.push(`ships ${file} without types`);
  }
  if (problems.length > 0) throw new Error(`smoke: ${name} tarball: ${problems.join("; ")}`);
}

/**
 * Starts the installed simulator's command on a free port; resolves with its port and a stop.
 * Started as the bin npm linked (one process to stop; npx would put a process in between).
 */
function startInstalledSimulator() {
  const child = spawn(join(work, "node_modules", ".bin", "guacd-sim"), ["--port", "0"], {
    cwd: work,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`smoke: the simulator did not start: ${out}`));
    }, 30_000);
    child.on("exit", (code) => reject(new Error(`smoke: the simulator exited (${code}): ${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /listening on [^\s]+:(\d+) .*corpus (.+)\)/.exec(out);
      if (match) {
        clearTimeout(timer);
        console.log(out.trim());
        const stop = () =>
          new Promise((done) => {
            child.removeAllListeners("exit");
            child.once("exit", done);
            child.kill("SIGTERM");
          });
        resolve({ port: Number(match[1]), corpus: match[2], stop });
      }
    });
  });
}

// 1. Build afresh: a stale file in dist/ (a renamed module) would otherwise be packed.
step("build");
const packages = publishedPackages().filter((pkg) => pkg.npm !== undefined);
for (const { dir } of packages) rmSync(join(dir, "dist"), { recursive: true, force: true });
run("pnpm", ["-r", "--filter", "./packages/*", "run", "build"], { cwd: root, capture: true });

// 2. Pack and inspect.
step("pack");
const tarballs = join(work, "tarballs");
mkdirSync(tarballs, { recursive: true });
const dependencies = {};
for (const { dir, npm: manifest } of packages) {
  const before = new Set(readdirSync(tarballs));
  run("pnpm", ["pack", "--pack-destination", tarballs], { cwd: dir, capture: true });
  const file = readdirSync(tarballs).find((f) => !before.has(f) && f.endsWith(".tgz"));
  if (file === undefined) throw new Error(`smoke: pnpm pack made no tarball for ${manifest.name}`);
  const listing = run("tar", ["-tvzf", join(tarballs, file)], { capture: true })
    .trim()
    .split("\n")
    .map((line) => {
      const parts = line.trim().split(/\s+/);
      return {
        size: Number(parts[2]),
        path: parts
          .slice(5)
          .join(" ")
          .replace(/^package\//, ""),
      };
    });
  checkTarballFiles(
    manifest.name,
    listing.map((f) => f.path),
  );
  const unpacked = listing.reduce((sum, f) => sum + f.size, 0);
  console.log(
    `${file}: ${statSync(join(tarballs, file)).size} bytes packed, ${unpacked} unpacked, ${listing.length} files`,
  );
  for (const { path, size } of listing) console.log(`  ${String(size).padStart(9)}  ${path}`);
  dependencies[manifest.name] = `file:tarballs/${file}`;
}

// 3. A fresh project installs the tarballs with npm (and @types/node for the type check).
step("npm install");
for (const file of readdirSync(fixtures)) cpSync(join(fixtures, file), join(work, file));
const typesNode = JSON.parse(
  readFileSync(join(root, "node_modules", "@types", "node", "package.json"), "utf8"),
).version;
writeFileSync(
  join(work, "package.json"),
  `${JSON.stringify(
    {
      name: "guacstream-smoke-consumer",
      private: true,
      type: "module",
      dependencies,
      devDependencies: { "@types/node": typesNode },
    },
    null,
    2,
  )}\n`,
);
run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { capture: true });

const help = run("npx", ["--no-install", "@guacstream/guacd-sim", "--help"], { capture: true });
if (!help.includes("--corpus")) throw new Error(`smoke: npx @guacstream/guacd-sim --help: ${help}`);
console.log("npx @guacstream/guacd-sim --help: ok");
const simulator = await startInstalledSimulator();
try {
  if (!simulator.corpus.startsWith(join(work, "node_modules"))) {
    throw new Error(`smoke: the installed simulator read ${simulator.corpus}, not its own corpus`);
  }
  const env = { GUACD_PORT: String(simulator.port) };

  step("(a) Node ESM");
  run("node", ["load-all.mjs"]);
  run("node", ["consumer-esm.mjs"], { env });
  step("(a) Node CommonJS");
  run("node", ["--no-warnings=ExperimentalWarning", "consumer-cjs.cjs"], { env });

  step("(b) Deno, npm: specifiers");
  run(bin("deno"), ["run", "-A", "--node-modules-dir=manual", "consumer-deno.ts"], {
    env: { ...env, DENO_NO_UPDATE_CHECK: "1" },
  });

  step("(c) Bun ESM");
  console.log(`bun ${run(bin("bun"), ["--version"], { capture: true }).trim()}`);
  run(bin("bun"), ["load-all.mjs"]);
  run(bin("bun"), ["consumer-esm.mjs"], { env });
  step("(c) Bun CommonJS");
  run(bin("bun"), ["consumer-cjs.cjs"], { env });
} finally {
  await simulator.stop();
}

// (d) The codec bundled for a browser: esbuild fails on a node: import with platform=browser.
step("(d) esbuild browser bundle");
for (const [entry, out, what] of [
  ["browser-entry.mjs", "bundle.js", "codec: streams + GuacamoleClient"],
  ["browser-decoder.mjs", "decoder.js", "InstructionDecoderStream alone"],
]) {
  run(bin("esbuild"), [
    entry,
    "--bundle",
    "--minify",
    "--format=esm",
    "--platform=browser",
    "--target=es2022",
    `--outfile=${out}`,
    "--log-level=warning",
  ]);
  const bundle = readFileSync(join(work, out));
  if (/\bnode:|require\(/.test(bundle.toString())) {
    throw new Error(`smoke: the browser bundle ${out} refers to node: modules or require()`);
  }
  console.log(`${out} (${what}): ${bundle.length} bytes, ${gzipSync(bundle).length} gzipped`);
}
run("node", ["run-bundle.mjs"]);

// (e) The published types, for a Node project without DOM and a browser project without Node.
step("(e) consumer type checks (skipLibCheck false)");
run(bin("tsc"), ["-p", "tsconfig.node.json"]);
console.log("lib ES2023 + @types/node: ok");
run(bin("tsc"), ["-p", "tsconfig.dom.json"]);
console.log("lib ES2023 + DOM + DOM.AsyncIterable: ok");

step("passed");
if (keepFlag < 0) rmSync(work, { recursive: true, force: true });
else console.log(`kept in ${work}`);
