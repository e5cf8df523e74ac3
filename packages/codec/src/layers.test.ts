// The codec's layers import one way: wire <- session <- connect. A file may import its own layer
// or a lower one, never a higher one (tests excepted: they may use the whole package).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const src = dirname(fileURLToPath(import.meta.url));
const LAYERS = ["wire", "session", "connect"];

test("imports point from connect to session to wire, never back", () => {
  const wrong: string[] = [];
  for (const layer of LAYERS) {
    for (const file of readdirSync(join(src, layer), { recursive: true }).map(String)) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
      const path = join(src, layer, file);
      // Code imports only (doc examples import the package by name, not by path).
      for (const [, target] of readFileSync(path, "utf8").matchAll(
        /^(?:import|export)[^;]*?from "(\.[^"]+)"/gm,
      )) {
        const into = relative(src, join(dirname(path), target!)).split(/[\\/]/)[0]!;
        const rank = LAYERS.indexOf(into);
        if (rank < 0 || rank > LAYERS.indexOf(layer)) wrong.push(`${layer}/${file} -> ${target}`);
      }
    }
  }
  expect(wrong).toEqual([]);
});
