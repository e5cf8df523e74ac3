/** Prints the self time of the hottest functions in a .cpuprofile (from `node --cpu-prof`). */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const path = process.argv[2];
if (path === undefined) throw new Error("Cannot summarize: give a .cpuprofile path");
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
for (const id of profile.samples) {
  const node = byId.get(id);
  if (node === undefined) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split("/").slice(-2).join("/");
  const key = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + 1);
}
const total = profile.samples.length;
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
for (const [key, count] of rows) {
  console.log(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${key}`);
}
