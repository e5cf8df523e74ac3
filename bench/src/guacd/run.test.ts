// The bench as a user runs it, in a child process against a guacd-like simulator in this process:
// it stays within its time budget, prints progress (on stderr) while it runs, finds the
// simulator's session cap, and leaves no session open when interrupted with Ctrl-C (SIGINT).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { guacdLikeOptions } from "@guacstream/guacd-sim";
import {
  loadCorpus,
  type RunningGuacdSimulator,
  startGuacdSimulator,
} from "@guacstream/guacd-sim/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { REPO_ROOT, TSX_FLAGS } from "../e2e/target.ts";
import { corpusDir } from "../harness/corpus.ts";

const main = fileURLToPath(new URL("../main.ts", import.meta.url));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "guacstream-bench-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withSimulator(
  cap: number,
  body: (sim: RunningGuacdSimulator, targets: string) => Promise<void>,
) {
  const sim = await startGuacdSimulator({
    corpus: await loadCorpus(corpusDir()),
    ...guacdLikeOptions({ maxSessions: cap }),
  });
  const targets = join(dir, `targets-${sim.port}.json`);
  writeFileSync(
    targets,
    JSON.stringify([
      {
        name: "sim-vnc",
        host: sim.host,
        port: sim.port,
        protocol: "vnc",
        parameters: { hostname: "desktop" },
      },
    ]),
  );
  try {
    await body(sim, targets);
  } finally {
    await sim.close();
  }
}

/**
 * Runs the bench; resolves with its exit, its stdout and stderr lines and the times they came.
 * `onLine` sees every line of either stream.
 */
function bench(args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void) {
  const started = performance.now();
  const child = spawn(process.execPath, [...TSX_FLAGS, main, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, BENCH_PROGRESS_MS: "500", GUACD_HOST: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (stream: NodeJS.ReadableStream) => {
    const lines: { at: number; text: string }[] = [];
    let partial = "";
    stream.on("data", (data: Buffer) => {
      partial += data;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      for (const text of parts) {
        lines.push({ at: performance.now() - started, text });
        onLine?.(text, child);
      }
    });
    return lines;
  };
  const lines = collect(child.stdout!);
  const progress = collect(child.stderr!);
  return new Promise<{
    code: number | null;
    lines: typeof lines;
    progress: typeof lines;
    ms: number;
  }>((resolve) => {
    child.once("exit", (code) =>
      resolve({ code, lines, progress, ms: performance.now() - started }),
    );
  });
}

describe("the bench against a guacd-like simulator", () => {
  test("stays within its budget, prints progress as it runs, and reports the session cap", async () => {
    await withSimulator(3, async (sim, targets) => {
      const json = join(dir, "run.json");
      const budget = 12;
      const run = await bench([
        "--quick",
        "--targets",
        targets,
        "--budget",
        String(budget),
        "--max-sessions",
        "8",
        "--json",
        json,
        "--svg",
        join(dir, "run.svg"),
      ]);
      const errors = run.progress.map((l) => l.text).filter((t) => !t.startsWith("progress: "));
      expect(errors).toEqual([]);
      expect(run.code).toBe(0);
      // Budget from the bench's start; allow for the child's own start-up (tsx, loading).
      expect(run.ms).toBeLessThan(budget * 1000 + 8000);
      const text = run.lines.map((l) => l.text).join("\n");
      expect(text).toMatch(/sim-vnc capacity\s+2 sessions\s+at 4: 1 of 4 reset or lost/);
      // Progress on stderr: some line at least every 5 s while it ran (the test sets a 0.5 s
      // period; the headless display decoding a busy desktop holds the event loop for a while on
      // a loaded machine), naming the section, the step and sessions open.
      const times = run.progress.map((l) => l.at);
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeLessThan(5000);
      expect(run.progress.map((l) => l.text).join("\n")).toMatch(
        /progress: \[1\/1 guacd\] · sim-vnc: ramp, \d session\(s\) · .*\d session\(s\) open, [\d.]+ MB received/,
      );
      const result = JSON.parse(readFileSync(json, "utf8"));
      const [target] = result.sections.guacd.data.targets;
      expect(target.ramp.capacity).toBe(2);
      expect(target.handshakes.p99).toBeGreaterThan(0);
      expect(result.sections.guacd.data.measuredBy).toMatch(/^sync-based/);
      expect(readFileSync(join(dir, "run.svg"), "utf8")).toMatch(/sim-vnc capacity/);
      expect(sim.sessions).toEqual([]);
    });
  }, 40_000);

  test("Ctrl-C (SIGINT) mid-ramp ends every session it opened with disconnect", async () => {
    await withSimulator(16, async (sim, targets) => {
      let live: number[] = [];
      const run = await bench(
        ["--quick", "--targets", targets, "--budget", "20", "--max-sessions", "8"],
        (line, child) => {
          // Interrupt on a progress line once the ramp holds several sessions open. A session
          // that echoed a sync is one the bench holds (it registers a session at `ready`, before
          // it reads a frame); one still in its handshake is aborted, not disconnected.
          if (live.length > 0 || !/ramp, [48] session/.test(line)) return;
          const held = sim.sessions.filter((r) => r.input.syncs > 0).map((r) => r.serial);
          if (held.length < 3) return;
          live = held;
          child.kill("SIGINT");
        },
      );
      expect(live.length).toBeGreaterThanOrEqual(3);
      expect(run.code).toBe(130);
      const closing = /interrupted \(SIGINT\): closing (\d+) open session/.exec(
        run.progress.map((l) => l.text).join("\n"),
      );
      expect(Number(closing?.[1])).toBeGreaterThanOrEqual(live.length);
      // Every session the simulator started has ended once its report is in.
      const started = Math.max(...[...sim.sessions, ...sim.reports].map((r) => r.serial));
      const reports = await sim.simulator.waitForReports(started);
      expect(sim.sessions).toEqual([]);
      const ended = reports.filter((r) => live.includes(r.serial)).map((r) => r.end?.reason);
      expect(ended).toEqual(live.map(() => "client-disconnect"));
    });
  }, 40_000);
});
