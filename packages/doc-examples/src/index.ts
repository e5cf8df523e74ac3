// The doc-example suite every Node-tested package runs: each `@example` in its source's doc
// comments runs as a test (what `deno test --doc` does), with the package's own names pointed at
// its sources, and every export must carry a doc comment with an example.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/** What one package's doc-example suite runs over. */
export interface DocExampleSuiteOptions {
  /** The package's source folder; its examples are written to a scratch folder inside it, so they resolve the package's dependencies as the package does. */
  readonly dir: string;
  /** Specifiers the examples import, each pointed at a source file relative to `dir`. */
  readonly targets: Readonly<Record<string, string>>;
  /** Source files (relative to `dir`) left out: programs, not modules. */
  readonly skip?: readonly string[];
  /** Files whose exports are types only: each needs a doc comment, and (as the style guide allows) no example. */
  readonly typeOnly?: readonly string[];
  /** Time one example may take, in ms. */
  readonly timeout?: number;
}

/** One `@example` block of a doc comment. */
export interface DocExample {
  readonly title: string;
  readonly code: string;
}

const EXAMPLE =
  /@example([^\n]*)\n(?:\s*\*[^\n]*\n)*?\s*\*\s*```ts\n((?:\s*\*[^\n]*\n)*?)\s*\*\s*```/g;
const EXPORT = /^export (class|interface|function|async function|const|type) /;

/** The `@example` blocks of a source text, with the comment's leading `*` taken off each line. */
export function examplesOf(text: string): DocExample[] {
  return [...text.matchAll(EXAMPLE)].map((m) => ({
    title: m[1]!.trim() || "example",
    code: m[2]!
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n"),
  }));
}

/** The exported declarations of a source text that lack a doc comment (or, unless `typeOnly`, an example in it). */
export function undocumentedExports(text: string, typeOnly = false): string[] {
  const lines = text.split("\n");
  const missing: string[] = [];
  lines.forEach((line, k) => {
    if (!EXPORT.test(line)) return;
    let start = k - 1;
    while (start >= 0 && !lines[start]!.trim().startsWith("/**")) start--;
    const doc = lines.slice(Math.max(start, 0), k).join("\n");
    if (!lines[k - 1]?.trim().endsWith("*/")) missing.push(line);
    else if (!typeOnly && !doc.includes("@example")) missing.push(line);
  });
  return missing;
}

function sourcesIn(dir: string, skip: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = relative(dir, join(entry.parentPath, entry.name));
    if (path.split("/").some((part) => part.startsWith(".") || part === "node_modules")) continue;
    if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.startsWith("_")) continue;
    if (/\.test\.ts$|_test\.ts$/.test(entry.name) || skip.has(path)) continue;
    found.push(path);
  }
  return found.sort();
}

/** Defines the vitest suites that run a package's doc examples and check every export has one. */
export function defineDocExampleSuite(options: DocExampleSuiteOptions): void {
  const { dir, targets } = options;
  const typeOnly = new Set(options.typeOnly ?? []);
  const sources = sourcesIn(dir, new Set(options.skip ?? []));
  const scratch = mkdtempSync(join(dir, ".examples-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const urls = Object.entries(targets).map(
    ([from, file]) =>
      [JSON.stringify(from), JSON.stringify(pathToFileURL(join(dir, file)).href)] as const,
  );

  describe("doc examples run", () => {
    let n = 0;
    for (const file of sources) {
      for (const { title, code } of examplesOf(readFileSync(join(dir, file), "utf8"))) {
        const name = `example-${++n}.ts`;
        it(
          `${file}: ${title}`,
          async () => {
            let rewritten = code;
            for (const [from, to] of urls) rewritten = rewritten.replaceAll(from, to);
            const path = join(scratch, name);
            writeFileSync(path, `${rewritten}\nexport {};\n`);
            await import(/* @vite-ignore */ pathToFileURL(path).href);
          },
          options.timeout ?? 20_000,
        );
      }
    }
  });

  describe("every export has a doc comment with an @example, every module at least one example", () => {
    for (const file of sources.filter((f) => f !== "index.ts")) {
      it(file, () => {
        const text = readFileSync(join(dir, file), "utf8");
        expect(undocumentedExports(text, typeOnly.has(file))).toEqual([]);
        if (!typeOnly.has(file)) expect(examplesOf(text).length).toBeGreaterThan(0);
      });
    }
  });
}
