import { join } from "node:path";
import { flushRealSleeps } from "@guacstream/test-support";
import fc from "fast-check";
import { afterAll, expect } from "vitest";

// Property tests are seeded: CI prints the seed so any failure can be replayed with FC_SEED=<seed>.
const seed =
  process.env.FC_SEED === undefined
    ? Date.now() ^ (Math.random() * 2 ** 31)
    : Number(process.env.FC_SEED);
const numRuns = process.env.FC_NUM_RUNS === undefined ? 100 : Number(process.env.FC_NUM_RUNS);
fc.configureGlobal({ seed, numRuns });

if (!(globalThis as { __fcSeedPrinted?: boolean }).__fcSeedPrinted) {
  (globalThis as { __fcSeedPrinted?: boolean }).__fcSeedPrinted = true;
  if (process.env.CI)
    console.log(`fast-check seed ${seed} (FC_SEED=${seed} to replay), ${numRuns} runs`);
}

// Each file's real sleeping goes to a tally that `npm test` sums and prints.
afterAll(() => {
  flushRealSleeps(join(import.meta.dirname, ".test-results"), expect.getState().testPath ?? "");
});
