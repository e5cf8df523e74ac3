/**
 * Prints the self time of the hottest functions in a .cpuprofile (from `node --cpu-prof`). Given
 * several (one per thread: tsx runs a loader thread too), it summarizes the busiest.
 *   tsx bench/src/harness/profile-summary.ts bench/results/prof/*.cpuprofile [--top 25]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
const paths = args.filter((_, i) => topAt < 0 || (i !== topAt && i !== topAt + 1));
if (paths.length === 0) throw new Error("Cannot summarize: give .cpuprofile paths");

function selfTimes(profile: Profile): Map<string, number> {
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
  return self;
}

let best: { path: string; self: Map<string, number>; busy: number; total: number } | undefined;
for (const path of paths) {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const self = selfTimes(profile);
  const idle = [...self.entries()]
    .filter(([k]) => k.startsWith("(idle)"))
    .reduce((s, [, v]) => s + v, 0);
  const busy = profile.samples.length - idle;
  if (best === undefined || busy > best.busy) {
    best = { path, self, busy, total: profile.samples.length };
  }
}
console.log(`${best!.path}: ${best!.total} samples, ${best!.busy} busy`);
const rows = [...best!.self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
for (const [key, count] of rows) {
  console.log(`${((100 * count) / best!.total).toFixed(1).padStart(5)}%  ${key}`);
}
