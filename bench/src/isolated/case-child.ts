/**
 * One (case, input) of the codec bench alone in a process, driven by the isolated harness over
 * IPC (`protocol.ts`): so no other case's JIT feedback, inline caches or heap shape the one timed.
 *
 * Run (the harness does): node --import tsx --conditions=@guacstream/source case-child.ts
 */
import { GCProfiler } from "node:v8";
import { decodeReference } from "../codec/agreement.ts";
import { type BenchCase, codecCases, needsDecodedInput } from "../codec/cases/index.ts";
import { clientSideStream } from "../codec/synthetic.ts";
import { commonJsParser, liteParser } from "../codec/upstream.ts";
import { type BenchInput, loadCorpusInput, makeInput } from "../harness/corpus.ts";
import type { FromChild, ToChild } from "./protocol.ts";
import { isSteady, tailCv, warmupDone } from "./steady.ts";

const SYNTHETIC = "synthetic:client-small-instructions";

function loadNamedInput(name: string, chunkBytes: number): BenchInput {
  return name === SYNTHETIC
    ? makeInput(SYNTHETIC, clientSideStream().bytes, true, chunkBytes)
    : loadCorpusInput(name, undefined, chunkBytes);
}

let bench: BenchCase | undefined;
let reps = 1;
let minPassMs = 0;

function send(message: FromChild): void {
  process.send?.(message);
}

/**
 * One pass: `reps` runs. Returns CPU ms per run (this process's user + system time: on a shared
 * machine, wall time also counts the time the process waited for a core) and wall ms per run.
 */
async function pass(): Promise<[cpuMs: number, wallMs: number]> {
  const run = bench!;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < reps; i++) {
    const result = run.run();
    if (result instanceof Promise) await result;
  }
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return [(used.user + used.system) / 1000 / reps, wall / reps];
}

async function handle(message: ToChild): Promise<void> {
  switch (message.type) {
    case "init": {
      const input = loadNamedInput(message.input, message.chunkBytes);
      const reference = needsDecodedInput(message.caseId)
        ? decodeReference(input).instructions
        : [];
      const ctx = { lite: liteParser(), commonJs: commonJsParser() };
      // The encoder's byte count comes from its own checking run.
      bench = codecCases(input, reference, input.bytes.length, ctx).find(
        (c) => c.id === message.caseId,
      );
      if (bench === undefined) throw new Error(`Cannot run: no case ${message.caseId}`);
      // The checking run (its outcome is reported; a case that fails is not timed) also sizes a
      // pass: tiny inputs repeat the run until a pass lasts minPassMs.
      const start = performance.now();
      const first = bench.run();
      const outcome = first instanceof Promise ? await first : first;
      const elapsed = performance.now() - start;
      minPassMs = message.minPassMs;
      reps = Math.max(1, Math.min(1 << 16, Math.ceil(minPassMs / Math.max(elapsed, 1e-3))));
      const bytesPerRun =
        bench.kind === "encode" && Number.isFinite(outcome.bytes)
          ? outcome.bytes
          : bench.bytesPerRun;
      send({
        type: "ready",
        pid: process.pid,
        outcome,
        bytesPerRun,
        reps,
      });
      return;
    }
    case "warmup": {
      const curve: number[] = [];
      const wallCurve: number[] = [];
      do {
        const [cpuMs, wallMs] = await pass();
        curve.push(cpuMs);
        wallCurve.push(wallMs);
      } while (!warmupDone(curve, message.rule));
      // Re-size the pass now the code is hot (the cold checking run overestimated a run's time).
      const last = curve[curve.length - 1]!;
      if (last * reps < minPassMs)
        reps = Math.min(1 << 16, Math.ceil(minPassMs / Math.max(last, 1e-3)));
      send({
        type: "warmed",
        curve,
        wallCurve,
        steady: isSteady(curve, message.rule),
        cv: tailCv(curve, message.rule),
      });
      return;
    }
    case "time": {
      const ms: number[] = [];
      const profiler = typeof GCProfiler === "function" ? new GCProfiler() : undefined;
      profiler?.start();
      const wallMs: number[] = [];
      for (let i = 0; i < message.passes; i++) {
        const [cpu, wall] = await pass();
        ms.push(cpu);
        wallMs.push(wall);
      }
      const profile = profiler?.stop();
      let gcMs = 0;
      for (const gc of profile?.statistics ?? []) gcMs += gc.cost / 1000;
      send({
        type: "timed",
        ms,
        wallMs,
        gcMsPerRun: profile === undefined ? null : gcMs / (message.passes * reps),
      });
      return;
    }
    case "exit":
      process.disconnect?.();
      process.exit(0);
  }
}

process.on("message", (message: ToChild) => {
  handle(message).catch((error: unknown) => {
    send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  });
});
