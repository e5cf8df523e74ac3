/**
 * The guacd simulator as its own process for the end-to-end bench, so the client process's CPU and
 * memory are the client's alone. Prints `port <n>` when listening; exits when stdin closes.
 *
 * Plans by the `hostname` connection parameter: `bench-hold` → `ready`, then nothing (no recording,
 * no idle syncs or nops for an hour): a cheap session for handshakes and idle memory; anything else
 * → `vnc-desktop` replayed as fast as the socket takes it, over and over (`loop`): a session lasts
 * as long as the client reads, so rounds are long enough to time at any concurrency.
 *
 * With `--guacd-like <cap>`: the simulator's guacd-like mode instead (desktops paced by their
 * recordings, a client lagging on `sync` throttled and cut with 776 after 15 s, connections over
 * `cap` reset, SSH key presses echoed), for the guacd section.
 *
 * Run: node --import tsx --conditions=@guacstream/source bench/src/e2e/simulator-child.ts [--guacd-like 12]
 */
import { guacdLikeOptions } from "@guacstream/guacd-sim";
import { loadCorpus, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { corpusDir } from "../harness/corpus.ts";
import { HOLD_HOSTNAME, REPLAY_RECORDING } from "./handshake.ts";

const HOUR = 3_600_000;

const guacdLike = process.argv.indexOf("--guacd-like");
const corpus = await loadCorpus(corpusDir());
const sim = await startGuacdSimulator(
  guacdLike >= 0
    ? { corpus, ...guacdLikeOptions({ maxSessions: Number(process.argv[guacdLike + 1] ?? 12) }) }
    : {
        corpus,
        // The bench's clients are measured, not tested for keep-alive: no timeout within a run.
        syncTimeoutMs: HOUR,
        nopIntervalMs: HOUR,
        idleSyncIntervalMs: HOUR,
        resolveSession: (ctx) =>
          ctx.params.hostname === HOLD_HOSTNAME
            ? { end: "hold" }
            : { recording: REPLAY_RECORDING, pace: "fast", end: "loop" },
      },
);
process.stdout.write(`port ${sim.port}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void sim.close().finally(() => process.exit(0));
});
