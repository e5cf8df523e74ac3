/**
 * Runs one end-to-end client kind over and over against the bench's simulator (a child process,
 * so the profile is the client's alone), for a CPU profile of it:
 *   node --cpu-prof --cpu-prof-dir=bench/results/prof-e2e --import tsx \
 *     --conditions=@guacstream/source bench/src/e2e/profile.ts <kind> [concurrency] [MB]
 * then `tsx bench/src/harness/profile-summary.ts bench/results/prof-e2e/*.cpuprofile`.
 * Kinds: socket, transport, transport+frame, transport+decode, client.
 */
import { MODES, type Mode, session } from "./sessions.ts";
import { openTarget } from "./target.ts";

const [kind = "client", concurrencyArg = "1", megabytesArg = "400"] = process.argv.slice(2);
if (!MODES.includes(kind as Mode)) throw new Error(`Cannot profile: no client kind ${kind}`);
const concurrency = Number(concurrencyArg);
const total = Number(megabytesArg) * 1e6;
const target = await openTarget();
try {
  const budgetBytes = Math.ceil(total / concurrency);
  const start = performance.now();
  const counts = await Promise.all(
    Array.from({ length: concurrency }, () =>
      session(kind as Mode, target, target.replay, { budgetBytes, sessionMs: target.sessionMs }),
    ),
  );
  const ms = performance.now() - start;
  const bytes = counts.reduce((s, c) => s + c.bytes, 0);
  console.log(`${kind} x${concurrency}: ${(bytes / 1e6 / (ms / 1e3)).toFixed(1)} MB/s`);
} finally {
  await target.close();
}
