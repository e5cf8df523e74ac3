/**
 * End to end through `@guacstream/transport-node` to a guacd: handshake latency, session
 * throughput at several concurrencies, and memory per idle session. The target is the guacd
 * simulator in a child process (`sim-child.ts`), or a real guacd with `GUACD_HOST` (see
 * `e2e-target.ts`). Every client kind does the same handshake round trips; the floor is a bare
 * node:net socket that handshakes by hand and then only counts bytes.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { connectGuacamole } from "@guacstream/transport-node";
import { type Figure, RATIO } from "../harness/figure.ts";
import { fmt, ratio, ratioTargetCells, table, targetsTable } from "../harness/format.ts";
import type { Section, SectionContext, SectionResult, TargetStatus } from "../harness/section.ts";
import type { SessionRequest } from "./handshake.ts";
import type { MemoryJob, MemoryResult } from "./memory.ts";
import {
  interleavedRounds,
  MODES,
  type Mode,
  mbPerS,
  measureRound,
  type Sample,
} from "./rounds.ts";
import { bareConnect, type Endpoint, session } from "./sessions.ts";
import { type E2eTarget, openTarget, REPO_ROOT, TSX_FLAGS } from "./target.ts";

/** Issue targets: e2e MB/s ≥ 0.8 × the bare socket's; idle session < 64 KiB beyond the socket. */
export const THROUGHPUT_TARGET: number = 0.8;
/** Issue target: the full client's CPU per MB received on the simulator's VNC replay. */
export const CLIENT_CPU_MS_PER_MB_TARGET: number = 0.35;
export const IDLE_BYTES_TARGET: number = 64 * 1024;
const KIB = 1024;
const MIN_SESSION_BYTES = 256 * KIB;

interface LatencyRow {
  client: string;
  count: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

function latencyRow(client: string, ms: number[]): LatencyRow {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    client,
    count: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

/** `count` handshakes one after another; each closed once `ready` arrived (not timed). */
async function handshakeLatency(to: Endpoint, request: SessionRequest, count: number) {
  const warmup = Math.min(10, count);
  const bare: number[] = [];
  const client: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const s = await bareConnect(to, request);
    if (i >= warmup) bare.push(s.readyMs);
    s.socket.destroy();
    await s.closed;
  }
  for (let i = 0; i < warmup + count; i++) {
    const start = performance.now();
    const c = await connectGuacamole({ ...to, ...request });
    const ms = performance.now() - start;
    if (i >= warmup) client.push(ms);
    await c.close();
  }
  return [latencyRow("socket (by hand)", bare), latencyRow("client (connectGuacamole)", client)];
}

interface ThroughputRow {
  mode: Mode;
  concurrency: number;
  medianMs: number;
  mbPerS: number;
  instrPerS: number;
  bytesPerSession: number;
  instructionsPerSession: number;
  ratio: number;
  cpuMsPerMb: number;
}

async function throughput(
  target: E2eTarget,
  levels: readonly number[],
  runs: number,
  roundBytes: number,
  ctx: SectionContext,
): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const concurrency of levels) {
    if (ctx.run?.signal.aborted) break;
    if (ctx.run !== undefined && performance.now() > ctx.run.deadline) {
      ctx.log(`time budget spent: throughput at ${concurrency}+ concurrent sessions skipped`);
      break;
    }
    // Each session reads its share of the round's bytes (the simulator loops its recording), so a
    // round moves about the same bytes at every concurrency; at least 256 KiB, so that 1000
    // sessions still measure streaming rather than only connection setup.
    const limits = {
      budgetBytes: Math.max(Math.ceil(roundBytes / concurrency), MIN_SESSION_BYTES),
      sessionMs: target.sessionMs,
    };
    const rounds = concurrency >= 1000 ? Math.min(runs, 3) : runs;
    const once = async (mode: Mode): Promise<Sample> => {
      ctx.progress.step(`throughput x${concurrency}, ${mode}`);
      const sample = await measureRound(concurrency, () =>
        session(mode, target, target.replay, limits),
      );
      ctx.run?.addBytes(sample.bytes);
      return sample;
    };
    for (const { mode, median, ratio, cpuMsPerMb } of await interleavedRounds(rounds, once)) {
      rows.push({
        mode,
        concurrency,
        medianMs: median.ms,
        mbPerS: mbPerS(median),
        instrPerS: median.instructions / (median.ms / 1e3),
        bytesPerSession: median.bytes / concurrency,
        instructionsPerSession: median.instructions / concurrency,
        ratio,
        cpuMsPerMb,
      });
    }
  }
  return rows;
}

const execFileAsync = promisify(execFile);

async function memory(
  target: E2eTarget,
  kind: MemoryJob["kind"],
  count: number,
): Promise<MemoryResult> {
  const job: MemoryJob = {
    kind,
    count,
    host: target.host,
    port: target.port,
    request: target.hold,
  };
  const script = fileURLToPath(new URL("./memory.ts", import.meta.url));
  const { stdout } = await execFileAsync(
    process.execPath,
    ["--expose-gc", ...TSX_FLAGS, script, JSON.stringify(job)],
    { cwd: REPO_ROOT, timeout: 120_000 },
  );
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as MemoryResult;
}

const perSession = (r: MemoryResult, key: keyof MemoryResult["after"]): number =>
  (r.after[key] - r.before[key]) / r.count;

/** How much the section measures per mode. */
const PLANS = {
  quick: { handshakes: 20, levels: [1, 100], runs: 3, roundBytes: 8e6, idle: 50 },
  default: { handshakes: 50, levels: [1, 10, 100], runs: 4, roundBytes: 32e6, idle: 100 },
  full: { handshakes: 500, levels: [1, 10, 100, 1000], runs: 9, roundBytes: 128e6, idle: 1000 },
} as const;

export const e2eSection: Section = {
  name: "e2e",
  title: "End to end: @guacstream/transport-node to guacd over loopback",
  estimateSeconds: { quick: 8, default: 16, full: 240 },
  async run(ctx: SectionContext): Promise<SectionResult> {
    if (ctx.run?.realGuacd === true) {
      const why =
        "not run against a real guacd: the client kinds are compared on a firehose (the " +
        "simulator streams as fast as a socket takes it), while a guacd paces its desktop and " +
        "forks a process per session; the bare-socket baseline is dropped there. The guacd " +
        "section measures a real guacd.";
      ctx.log(`skipped: ${why}`);
      return { data: { skipped: why }, figures: [], method: "", skipped: "a real guacd" };
    }
    const target = await openTarget();
    ctx.log(`target: ${target.description}`);
    const { handshakes, levels, runs, roundBytes, idle } = PLANS[ctx.mode];
    const memoryKinds = ctx.mode === "full" ? 4 : 2;
    ctx.progress.plan(
      1 +
        levels.reduce(
          // A warm-up round, then the timed rounds, each one pass per client kind.
          (n, c) => n + ((c >= 1000 ? Math.min(runs, 3) : runs) + 1) * MODES.length,
          0,
        ) +
        memoryKinds,
    );
    let latency: LatencyRow[];
    let rows: ThroughputRow[];
    let mem: Partial<Record<MemoryJob["kind"], MemoryResult>> & {
      socket: MemoryResult;
      client: MemoryResult;
    };
    try {
      ctx.progress.step("handshake latency");
      latency = await handshakeLatency(target, target.hold, handshakes);
      rows = await throughput(target, levels, runs, roundBytes, ctx);
      const measureMemory = (kind: MemoryJob["kind"]): Promise<MemoryResult> => {
        ctx.progress.step(`memory of ${idle} idle sessions, ${kind}`);
        return memory(target, kind, idle);
      };
      mem = { socket: await measureMemory("socket"), client: await measureMemory("client") };
      // Where the client's memory goes, in full runs only (two more processes).
      if (ctx.mode === "full") {
        mem.transport = await measureMemory("transport");
        mem["transport+decode"] = await measureMemory("transport+decode");
      }
    } finally {
      await target.close();
    }

    ctx.log();
    ctx.log(`## Handshake latency (${handshakes} sequential handshakes after 10 warm-up; ms)`);
    ctx.log(
      table(
        ["client", "p50", "p99", "mean", "min", "max"],
        latency.map((r) => [
          r.client,
          r.p50.toFixed(2),
          r.p99.toFixed(2),
          r.mean.toFixed(2),
          r.min.toFixed(2),
          r.max.toFixed(2),
        ]),
      ),
    );

    const figures: Figure[] = [];
    const clientLatency = latency.find((r) => r.client.startsWith("client"));
    if (clientLatency !== undefined) {
      for (const q of ["p50", "p99"] as const) {
        figures.push({
          id: `e2e/handshake/${q}`,
          label: `handshake ${q}, client`,
          group: "handshake",
          value: clientLatency[q],
          unit: "ms",
        });
      }
    }
    const targets: TargetStatus[] = [];
    for (const concurrency of levels) {
      const level = rows.filter((r) => r.concurrency === concurrency);
      ctx.log();
      ctx.log(
        `## Throughput, ${concurrency} concurrent session(s): median of ` +
          `${concurrency >= 1000 ? Math.min(runs, 3) : runs} rounds of ` +
          `~${fmt(Math.max(roundBytes, concurrency * MIN_SESSION_BYTES) / 1e6, 0)} MB ` +
          `(ratio: MB/s / bare socket's)`,
      );
      ctx.log(
        table(
          [
            "client",
            "MB/s",
            "instr/s",
            "median ms",
            "CPU ms/MB",
            "bytes/session",
            "instr/session",
            "vs socket",
          ],
          level.map((r) => [
            r.mode,
            fmt(r.mbPerS),
            fmt(r.instrPerS),
            r.medianMs.toFixed(1),
            r.cpuMsPerMb.toFixed(3),
            Math.round(r.bytesPerSession).toLocaleString("en-US"),
            fmt(r.instructionsPerSession, 0),
            ratio(r.ratio),
          ]),
        ),
      );
      for (const r of level) {
        if (r.mode === "socket") continue;
        const targeted = r.mode === "client" || r.mode === "transport+decode";
        figures.push({
          id: `e2e/throughput/x${concurrency}/${r.mode}`,
          label: `x${concurrency} ${r.mode} MB/s vs socket`,
          group: `x${concurrency}`,
          value: r.ratio,
          unit: RATIO,
          ...(targeted ? { target: { op: ">=" as const, value: THROUGHPUT_TARGET } } : {}),
          headline: r.mode === "client" && concurrency !== 10,
        });
      }
      const client = level.find((x) => x.mode === "client");
      if (client !== undefined && target.simulator) {
        figures.push({
          id: `e2e/cpu/x${concurrency}/client`,
          label: `x${concurrency} client CPU per MB`,
          group: `x${concurrency}`,
          value: client.cpuMsPerMb,
          unit: "ms/MB",
          target: { op: "<=", value: CLIENT_CPU_MS_PER_MB_TARGET },
          headline: concurrency === 1,
          note: `socket ${level.find((x) => x.mode === "socket")?.cpuMsPerMb.toFixed(2)}`,
        });
        // CPU of this process, which holds only the clients (the simulator is a child process).
        targets.push({
          input: `e2e CPU ms/MB x${concurrency}`,
          case: "client",
          against: "absolute",
          target: CLIENT_CPU_MS_PER_MB_TARGET,
          ratio: client.cpuMsPerMb,
          met: client.cpuMsPerMb <= CLIENT_CPU_MS_PER_MB_TARGET,
          note: `bare socket ${level.find((x) => x.mode === "socket")?.cpuMsPerMb.toFixed(3)}`,
        });
      }
      for (const mode of ["transport+decode", "client"] as const) {
        const r = level.find((x) => x.mode === mode);
        if (r === undefined) continue;
        targets.push({
          input: `e2e throughput x${concurrency}`,
          case: mode,
          against: "bare socket",
          target: THROUGHPUT_TARGET,
          ratio: r.ratio,
          met: r.ratio >= THROUGHPUT_TARGET,
        });
      }
    }

    const keys = ["heapUsed", "external", "arrayBuffers", "rss"] as const;
    ctx.log();
    if (!target.simulator) {
      ctx.log(
        "note: a real guacd streams the desktop to every session, so these sessions are live, not" +
          " idle; buffered bytes count (pick a still desktop for an idle figure)",
      );
    }
    ctx.log(
      `## Memory per idle session (${idle} sessions held after ready, each in a fresh process ` +
        `after GC; KiB per session)`,
    );
    ctx.log(
      table(
        ["kind", ...keys, "heap+external"],
        [
          ...(["socket", "transport", "transport+decode", "client"] as const).flatMap((k) => {
            const r = mem[k];
            if (r === undefined) return [];
            return [
              [
                k,
                ...keys.map((key) => (perSession(r, key) / KIB).toFixed(1)),
                ((perSession(r, "heapUsed") + perSession(r, "external")) / KIB).toFixed(1),
              ],
            ];
          }),
          [
            "client - socket",
            ...keys.map((key) =>
              ((perSession(mem.client, key) - perSession(mem.socket, key)) / KIB).toFixed(1),
            ),
            (
              (perSession(mem.client, "heapUsed") +
                perSession(mem.client, "external") -
                perSession(mem.socket, "heapUsed") -
                perSession(mem.socket, "external")) /
              KIB
            ).toFixed(1),
          ],
        ],
      ),
    );
    const idleHeap =
      perSession(mem.client, "heapUsed") +
      perSession(mem.client, "external") -
      perSession(mem.socket, "heapUsed") -
      perSession(mem.socket, "external");
    const idleRss = perSession(mem.client, "rss") - perSession(mem.socket, "rss");
    for (const [what, bytes, headline] of [
      ["client heap+external - socket's", idleHeap, true],
      ["client rss - socket's", idleRss, false],
    ] as const) {
      figures.push({
        id: `e2e/idle/${what.split(" ")[1]}`,
        label: `idle session, ${what}`,
        group: `idle x${idle}`,
        value: bytes / KIB,
        unit: "KiB",
        target: { op: "<=", value: IDLE_BYTES_TARGET / KIB },
        headline,
      });
      targets.push({
        input: `idle KiB/session x${idle}`,
        case: what,
        against: "bare socket",
        target: IDLE_BYTES_TARGET / KIB,
        ratio: bytes / KIB,
        met: bytes < IDLE_BYTES_TARGET,
      });
    }

    ctx.log();
    ctx.log("## Targets (end to end)");
    ctx.log(
      targetsTable("what", targets, (t) =>
        t.input.startsWith("idle")
          ? [`< ${t.target}`, t.ratio.toFixed(1)]
          : t.input.startsWith("e2e CPU")
            ? [`<= ${t.target}`, t.ratio.toFixed(3)]
            : ratioTargetCells(t),
      ),
    );
    return {
      data: { target: target.description, handshakes: latency, throughput: rows, memory: mem },
      figures,
      method:
        `${target.simulator ? "the simulator's firehose" : target.description}; ratio = MB/s / a bare ` +
        `socket's, median of ${runs} interleaved rounds; CPU of this process (clients only)`,
    };
  },
};
