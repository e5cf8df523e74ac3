// Runs every `@example` in the package's doc comments (as `deno test --doc` would), with the package
// imports pointed at the sources.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const src = fileURLToPath(new URL(".", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "guacd-sim-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const files = readdirSync(src).filter(
  (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith("_") && f !== "cli.ts",
);

function examples(file: string): { title: string; code: string }[] {
  const text = readFileSync(join(src, file), "utf8");
  const out: { title: string; code: string }[] = [];
  const pattern =
    /@example([^\n]*)\n((?:\s*\*[^\n]*\n)*?)\s*\*\s*```ts\n((?:\s*\*[^\n]*\n)*?)\s*\*\s*```/g;
  for (const match of text.matchAll(pattern)) {
    const code = match[3]!
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n");
    out.push({ title: match[1]!.trim() || "example", code });
  }
  return out;
}

const index = pathToFileURL(join(src, "index.ts")).href;
const node = pathToFileURL(join(src, "node.ts")).href;

describe("doc examples", () => {
  let n = 0;
  for (const file of files) {
    const found = examples(file);
    it(`${file} has examples`, () => {
      if (file !== "index.ts") expect(found.length).toBeGreaterThan(0);
    });
    for (const { title, code } of found) {
      const name = `example-${++n}.ts`;
      it(`${file}: ${title}`, async () => {
        const rewritten = code
          .replaceAll('"@guacstream/guacd-sim/node"', JSON.stringify(node))
          .replaceAll('"@guacstream/guacd-sim"', JSON.stringify(index));
        const path = join(scratch, name);
        writeFileSync(path, `${rewritten}\nexport {};\n`);
        await import(/* @vite-ignore */ pathToFileURL(path).href);
      }, 20000);
    }
  }
});

describe("every export has a doc comment with an @example", () => {
  for (const file of files.filter((f) => f !== "index.ts")) {
    it(file, () => {
      const lines = readFileSync(join(src, file), "utf8").split("\n");
      const missing: string[] = [];
      lines.forEach((line, k) => {
        if (!/^export (class|interface|function|async function|const|type) /.test(line)) return;
        let j = k - 1;
        while (j >= 0 && !lines[j]!.trim().startsWith("/**")) j--;
        const doc = lines.slice(j, k).join("\n");
        if (!lines[k - 1]!.trim().endsWith("*/") || !doc.includes("@example")) missing.push(line);
      });
      expect(missing).toEqual([]);
    });
  }
});
