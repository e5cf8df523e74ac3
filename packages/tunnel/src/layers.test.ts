// The tunnel's layers and the imports each may make:
//
//   base <- bridge <- broker <- metrics
//   base <- scale  <- broker
//
// base: the error family, close codes, the WebSocket shape; bridge: one browser relayed to one
// guacd; scale: several guacd and brokers (pool, registry); broker: a tunnel from token to bridge;
// metrics: what the broker reports. Tests are left out (they may use the whole package); the entry
// points (index.ts, metrics.ts) re-export and sit above every layer.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const src = dirname(fileURLToPath(import.meta.url));
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  base: [],
  bridge: ["base"],
  scale: ["base"],
  broker: ["base", "bridge", "scale"],
  metrics: ["base", "bridge", "scale", "broker"],
};

/** Every non-test source file (relative to src, `/`-separated) and the files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(src, { recursive: true }).map(String)) {
    if (!file.endsWith(".ts") || file.endsWith(".test.ts") || /(^|\/)_test-/.test(file)) continue;
    const path = join(src, file);
    // Code imports only (doc examples import the package by name, not by path).
    const targets = [
      ...readFileSync(path, "utf8").matchAll(/^(?:import|export)[^;]*?from "(\.[^"]+)"/gm),
    ].map(([, target]) => relative(src, join(dirname(path), target!)).replaceAll("\\", "/"));
    graph.set(file.replaceAll("\\", "/"), targets);
  }
  return graph;
}

/** The import cycles of a graph, each as the path that closes it (depth-first, colouring nodes). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const found: string[] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    const open = stack.indexOf(file);
    if (open >= 0) {
      found.push([...stack.slice(open), file].join(" -> "));
      return;
    }
    if (done.has(file)) return;
    stack.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    stack.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file);
  return found;
}

test("each layer imports only itself and the layers below it", () => {
  const wrong: string[] = [];
  for (const [file, targets] of importGraph()) {
    const layer = file.split("/")[0]!;
    const allowed = MAY_IMPORT[layer];
    if (allowed === undefined) continue; // an entry point
    for (const target of targets) {
      const into = target.split("/")[0]!;
      if (into !== layer && !allowed.includes(into)) wrong.push(`${file} -> ${target}`);
    }
  }
  expect(wrong).toEqual([]);
});

test("every source file sits in a layer, apart from the entry points", () => {
  const outside = [...importGraph().keys()].filter(
    (file) => MAY_IMPORT[file.split("/")[0]!] === undefined,
  );
  expect(outside.sort()).toEqual(["index.ts", "metrics.ts"]);
});

test("no import cycle, within a layer or across", () => {
  expect(cycles(importGraph())).toEqual([]);
});

test("the cycle finder finds a cycle of two and one through three files", () => {
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["a.ts"]],
    ["c.ts", ["d.ts"]],
    ["d.ts", ["e.ts"]],
    ["e.ts", ["c.ts", "a.ts"]],
    ["f.ts", ["a.ts"]],
  ]);
  expect(cycles(graph)).toEqual(["a.ts -> b.ts -> a.ts", "c.ts -> d.ts -> e.ts -> c.ts"]);
});
