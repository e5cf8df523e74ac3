// Tests control time: a wait on the wall clock goes through `sleepReal`, which is tallied, or
// happens on fake timers. This guard reads every test file of the workspace for the real sleeps
// that slip past both: a promise that only a timer resolves, `setTimeout` from
// `node:timers/promises`, Deno's `delay`.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");
const SCANNED_DIRS = ["packages", "examples", "bench"];
const SKIPPED_DIRS = new Set(["node_modules", "dist"]);
const SCANNED_FILE = /(\.test\.ts|_test\.ts|(^|\/)_test-utils\.ts|(^|\/)_harness\.ts)$/;
const TIMER_MODULES = new Set(["node:timers/promises", "timers/promises"]);

/** A real sleep found in a source: its 1-based line and the code that sleeps. */
interface RawSleep {
  readonly line: number;
  readonly code: string;
}

function isZero(delay: ts.Expression | undefined): boolean {
  return delay === undefined || (ts.isNumericLiteral(delay) && Number(delay.text) === 0);
}

/** True when `callback` is `resolve` itself or a function that only calls it. */
function onlyResolves(callback: ts.Expression | undefined, resolve: string): boolean {
  if (callback === undefined) return false;
  if (ts.isIdentifier(callback)) return callback.text === resolve;
  if (!ts.isArrowFunction(callback) && !ts.isFunctionExpression(callback)) return false;
  let body: ts.Node = callback.body;
  if (ts.isBlock(body) && body.statements.length === 1) {
    const only = body.statements[0]!;
    if (ts.isExpressionStatement(only)) body = only.expression;
  }
  return ts.isCallExpression(body) && ts.isIdentifier(body.expression)
    ? body.expression.text === resolve
    : false;
}

function countIdentifier(node: ts.Node, name: string): number {
  let count = ts.isIdentifier(node) && node.text === name ? 1 : 0;
  node.forEachChild((child) => {
    count += countIdentifier(child, name);
  });
  return count;
}

/**
 * The real sleeps in one source: `new Promise(r => setTimeout(r, n))` with `n` not a literal 0 and
 * nothing else able to resolve it (a wait for an event with a timeout is no sleep), `setTimeout`
 * imported from `node:timers/promises`, and calls to `delay(...)`.
 */
function findRawSleeps(fileName: string, source: string): RawSleep[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: RawSleep[] = [];
  const report = (node: ts.Node) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    found.push({ line: line + 1, code: node.getText(file).split("\n")[0]!.trim() });
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      TIMER_MODULES.has(node.moduleSpecifier.text)
    ) {
      const bindings = node.importClause?.namedBindings;
      const sleeps =
        bindings === undefined ||
        ts.isNamespaceImport(bindings) ||
        bindings.elements.some((e) => (e.propertyName ?? e.name).text === "setTimeout");
      if (sleeps) report(node);
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      if (node.expression.text === "delay") report(node);
    }
    if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "Promise"
    ) {
      const executor = node.arguments?.[0];
      const param =
        executor !== undefined && ts.isFunctionLike(executor) ? executor.parameters[0] : undefined;
      if (executor !== undefined && param !== undefined && ts.isIdentifier(param.name)) {
        const resolve = param.name.text;
        const timers: ts.CallExpression[] = [];
        const findTimers = (inner: ts.Node): void => {
          if (
            ts.isCallExpression(inner) &&
            ts.isIdentifier(inner.expression) &&
            inner.expression.text === "setTimeout" &&
            onlyResolves(inner.arguments[0], resolve) &&
            !isZero(inner.arguments[1])
          )
            timers.push(inner);
          inner.forEachChild(findTimers);
        };
        findTimers(executor);
        const resolveUses = countIdentifier(executor, resolve) - 1; // less its declaration
        const timerUses = timers.reduce((n, timer) => n + countIdentifier(timer, resolve), 0);
        if (timers.length > 0 && resolveUses === timerUses) report(node);
      }
    }
    node.forEachChild(visit);
  };
  visit(file);
  return found;
}

function* scannedFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith("."))
        yield* scannedFiles(join(dir, entry.name));
    } else if (SCANNED_FILE.test(entry.name)) {
      yield join(dir, entry.name);
    }
  }
}

describe("findRawSleeps", () => {
  const lines = (source: string) => findRawSleeps("x.test.ts", source).map((s) => s.line);

  test("finds a promise only a timer resolves, written either way", () => {
    expect(lines("await new Promise((r) => setTimeout(r, 25));")).toEqual([1]);
    expect(
      lines(
        "\nconst sleep = (ms) => new Promise((resolve) => {\n  setTimeout(() => resolve(), ms);\n});",
      ),
    ).toEqual([2]);
    expect(lines("await new Promise(function (done) { setTimeout(done, 5); });")).toEqual([1]);
  });

  test("lets a tick through, and a wait for an event with a timeout", () => {
    expect(lines("await new Promise((r) => setTimeout(r, 0));")).toEqual([]);
    expect(lines("await new Promise((r) => setTimeout(r));")).toEqual([]);
    expect(lines("await new Promise((r) => setImmediate(r));")).toEqual([]);
    expect(
      lines("await new Promise((r) => { socket.once('data', r); setTimeout(r, 1000); });"),
    ).toEqual([]);
    expect(lines("const t = setTimeout(() => socket.destroy(), 3000);")).toEqual([]);
  });

  test("finds the timer promises and Deno's delay", () => {
    expect(lines('import { setTimeout as sleep } from "node:timers/promises";')).toEqual([1]);
    expect(lines('import * as timers from "timers/promises";')).toEqual([1]);
    expect(lines('import { setImmediate } from "node:timers/promises";')).toEqual([]);
    expect(lines("await delay(100);")).toEqual([1]);
  });

  test("reads code, not strings or comments", () => {
    expect(lines('// new Promise((r) => setTimeout(r, 25))\nconst s = "delay(1)";')).toEqual([]);
  });
});

test("no test file sleeps in real time outside sleepReal or fake timers", () => {
  const offenders: string[] = [];
  for (const dir of SCANNED_DIRS) {
    for (const path of scannedFiles(join(ROOT, dir))) {
      const source = readFileSync(path, "utf8");
      if (source.includes("vi.useFakeTimers")) continue;
      for (const sleep of findRawSleeps(path, source))
        offenders.push(`${relative(ROOT, path)}:${sleep.line}: ${sleep.code}`);
    }
  }
  expect(
    offenders,
    `real sleeps (use sleepReal from @guacstream/test-support, fake timers, or wait on an event):\n${offenders.join("\n")}`,
  ).toEqual([]);
});
