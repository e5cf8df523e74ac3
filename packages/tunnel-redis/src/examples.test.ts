// Runs each doc comment's `@example` as a test (what `deno test --doc` does), with the package
// names pointed at the sources, and checks that every export carries one.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const here = fileURLToPath(new URL(".", import.meta.url));
// Inside the package, so the examples resolve "@redis/client" like the package does.
const scratch = mkdtempSync(join(here, ".examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sources = readdirSync(here).filter(
  (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith("_"),
);

const EXAMPLE =
  /@example([^\n]*)\n(?:\s*\*[^\n]*\n)*?\s*\*\s*```ts\n((?:\s*\*[^\n]*\n)*?)\s*\*\s*```/g;

function examplesOf(file: string): { title: string; code: string }[] {
  const text = readFileSync(join(here, file), "utf8");
  return [...text.matchAll(EXAMPLE)].map((m) => ({
    title: m[1]!.trim() || "example",
    code: m[2]!
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n"),
  }));
}

const targets: Record<string, string> = {
  "@guacstream/tunnel-redis/testing": pathToFileURL(join(here, "testing.ts")).href,
  "@guacstream/tunnel-redis": pathToFileURL(join(here, "index.ts")).href,
};

describe("doc examples run", () => {
  let n = 0;
  for (const file of sources) {
    for (const { title, code } of examplesOf(file)) {
      const name = `example-${++n}.ts`;
      it(`${file}: ${title}`, async () => {
        let rewritten = code;
        for (const [from, to] of Object.entries(targets)) {
          rewritten = rewritten.replaceAll(JSON.stringify(from), JSON.stringify(to));
        }
        const path = join(scratch, name);
        writeFileSync(path, `${rewritten}\nexport {};\n`);
        await import(/* @vite-ignore */ pathToFileURL(path).href);
      }, 20000);
    }
  }
});

describe("every export has a doc comment with an @example", () => {
  for (const file of sources.filter((f) => f !== "index.ts")) {
    it(file, () => {
      const lines = readFileSync(join(here, file), "utf8").split("\n");
      const missing: string[] = [];
      lines.forEach((line, k) => {
        if (!/^export (class|interface|function|async function|const|type) /.test(line)) return;
        let start = k - 1;
        while (start >= 0 && !lines[start]!.trim().startsWith("/**")) start--;
        const doc = lines.slice(Math.max(start, 0), k).join("\n");
        if (!lines[k - 1]?.trim().endsWith("*/") || !doc.includes("@example")) missing.push(line);
      });
      expect(missing).toEqual([]);
    });
  }
});
