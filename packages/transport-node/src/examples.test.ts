// Runs every `@example` in this package's doc comments under real Node (`node --import tsx`), so
// the examples stay runnable. (`deno test --doc` runs them too, through Deno's node: layer.)
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..", "..");

function examplesOf(source: string): string[] {
  const examples: string[] = [];
  for (const match of source.matchAll(/^ \* ```ts\n([\s\S]*?)^ \* ```$/gm)) {
    examples.push(match[1]!.replace(/^ \*(?: |$)/gm, ""));
  }
  return examples;
}

const cases: { name: string; code: string }[] = [];
for (const file of ["connect.ts", "errors.ts", "guacamole.ts"]) {
  const examples = examplesOf(await readFile(join(here, file), "utf8"));
  examples.forEach((code, i) => {
    cases.push({ name: `${file} example ${i + 1}`, code });
  });
}

test("every export's example was found", () => {
  // 7: GuacdDuplex is the codec's now (its example moved with it), and the type-only exports lost
  // examples whose assertions could not fail (a literal's own field, `typeof` of a function).
  expect(cases.length).toBeGreaterThanOrEqual(6);
});

test.each(cases)(
  "$name runs under Node",
  async ({ code }) => {
    const dir = await mkdtemp(join(tmpdir(), "guacstream-example-"));
    try {
      const script = join(dir, "example.mts");
      const rewritten = code.replace(/"\.\/(\w+)\.ts"/g, (_, name: string) =>
        JSON.stringify(pathToFileURL(join(here, `${name}.ts`)).href),
      );
      await writeFile(script, rewritten);
      await promisify(execFile)(
        process.execPath,
        ["--conditions=@guacstream/source", "--import", "tsx", script],
        {
          cwd: root,
          timeout: 15_000,
        },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
  20_000,
);
