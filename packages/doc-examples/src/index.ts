// The doc-comment check a package's vitest project runs: every exported declaration of its
// sources carries a doc comment. The `@example` blocks in those comments are run by one runner for
// every published package, `deno test --doc` (scripts/test.mjs), not here; an export with nothing
// to show needs no example.

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/** What one package's doc-comment check covers. */
export interface DocExampleSuiteOptions {
  /** The package's source folder. */
  readonly dir: string;
  /** Source files (relative to `dir`) left out: programs, not modules. */
  readonly skip?: readonly string[];
}

const EXPORT = /^export (class|interface|function|async function|const|type|abstract class) /;

/** The exported declarations of a source text that lack a doc comment. */
function undocumentedExports(text: string): string[] {
  const lines = text.split("\n");
  return lines.filter((line, k) => EXPORT.test(line) && !lines[k - 1]?.trim().endsWith("*/"));
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

/** Defines the vitest suite that checks every export of a package's sources has a doc comment. */
export function defineDocExampleSuite(options: DocExampleSuiteOptions): void {
  const { dir } = options;
  const sources = sourcesIn(dir, new Set(options.skip ?? []));
  describe("every export has a doc comment", () => {
    for (const file of sources.filter((f) => f !== "index.ts")) {
      it(file, () => {
        expect(undocumentedExports(readFileSync(join(dir, file), "utf8"))).toEqual([]);
      });
    }
  });
}
