/**
 * A CPU profile of one relay of the broker section under load, for the report's "why":
 *   npx tsx --conditions=@guacstream/source bench/src/broker/profile-relay.ts \
 *     <ours|lite|floor> [sessions=50] [paced|fast] [seconds=8] [dir=bench/results/prof]
 * then `tsx bench/src/harness/profile-summary.ts --top 30 <dir>/<the relay's>.cpuprofile`.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { LoadSession, newCounters } from "./client.ts";
import { PACED_HOSTNAME } from "./mark.ts";
import type { RelayKind } from "./relay-child.ts";
import { makeTokens, startRelay, startSimulator } from "./section.ts";

const [relay = "ours", sessionsArg = "50", pace = "paced", secondsArg = "8", dirArg] =
  process.argv.slice(2);
const dir = resolve(dirArg ?? "bench/results/prof");
mkdirSync(dir, { recursive: true });
const sim = await startSimulator();
const tokens = await makeTokens();
const { child, port } = await startRelay(relay as RelayKind, sim.port, tokens, [
  "--cpu-prof",
  `--cpu-prof-dir=${dir}`,
]);
const counters = newCounters();
const sessions: LoadSession[] = [];
const hostname = pace === "paced" ? PACED_HOSTNAME : "fast";
for (let i = 0; i < Number(sessionsArg); i++) {
  const url = await tokens.url(relay as RelayKind, port, hostname);
  sessions.push(new LoadSession(url, counters, relay === "floor" ? { hostname } : undefined));
}
await new Promise((r) => setTimeout(r, Number(secondsArg) * 1000));
for (const s of sessions) s.close();
const exited = new Promise((r) => child.once("exit", r));
child.disconnect();
await exited;
await sim.close();
console.log(
  `${relay}: ${sessionsArg} ${pace} sessions, ${(counters.bytes / 1e6).toFixed(1)} MB in ` +
    `${counters.messages} messages in ${secondsArg} s; profile in ${dir}`,
);
