/**
 * The broker section: what a broker costs per session, ours against guacamole-lite 1.2.0 and a
 * floor relay (WebSocket ↔ TCP, no parsing), each in its own process (`broker/relay-child.ts`)
 * in front of the same simulator process (`broker/sim-child.ts`), with the same WebSocket clients
 * (`broker/client.ts`, in this process).
 *
 * Method, per (sessions, pace), relays in a rotating order, a fresh relay process each time (quick
 * mode: one process per relay for all rows, started before the first):
 * 1. Warm-up: one paced session for `warmMs`, closed; then two GCs and the relay's baseline RSS
 *    (paced: a fast session makes guacamole-lite, which reads guacd without back-pressure,
 *    buffer hundreds of MB that its RSS keeps after the session).
 * 2. N sessions open (staggered over up to a second; fast ones hold their reads until all are
 *    open, so the load does not starve the later handshakes) and run `settleMs`.
 * 3. The window, `windowMs`: the relay's own CPU time (`process.cpuUsage`, user + system) over the
 *    bytes its clients received = CPU ms per MB relayed; its RSS sampled every 250 ms, median,
 *    minus the baseline, over N = RSS per session; `bench-mark` latencies (`broker/mark.ts`, from
 *    the simulator's write to the client's message) = p50/p99.
 * Paces: `paced` replays a 20 s desktop recording at its timestamps, in a loop; `fast` replays a
 * 13 MB recording as fast as the relay takes it (latency there is mostly queueing).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { generateTokenSecret, importTokenKey, sealToken } from "@guacstream/tunnel";
import { type Figure, RATIO } from "../harness/figure.ts";
import { fmt, ratio, table, targetsTable } from "../harness/format.ts";
import type { Section, SectionContext, SectionResult, TargetStatus } from "../harness/section.ts";
import { median, quantile } from "../isolated/steady.ts";
import { type LoadCounters, LoadSession, newCounters } from "./client.ts";
import { PACED_HOSTNAME } from "./mark.ts";
import type { RelayKind, RelayStats } from "./relay-child.ts";

/** `paced`: a desktop recording at its own timestamps; `fast`: as fast as the relay takes it. */
export type Pace = "paced" | "fast";

/** How much the broker section runs. */
export interface BrokerPlan {
  /** One relay process per relay for every row (quick: spawning is most of a short row). */
  readonly reuseRelays: boolean;
  readonly sessions: readonly number[];
  readonly paces: readonly Pace[];
  readonly warmMs: number;
  readonly settleMs: number;
  readonly windowMs: Record<Pace, number>;
}

/** `--quick`: 20 paced sessions, short windows, relay processes reused. */
export const BROKER_QUICK: BrokerPlan = {
  reuseRelays: true,
  sessions: [20],
  paces: ["paced"],
  warmMs: 300,
  settleMs: 300,
  windowMs: { paced: 1500, fast: 1000 },
};

/** The default run: 50 paced sessions (a desktop's pace, as a broker sees it), short windows. */
export const BROKER_DEFAULT: BrokerPlan = {
  reuseRelays: true,
  sessions: [50],
  paces: ["paced"],
  warmMs: 300,
  settleMs: 300,
  windowMs: { paced: 1500, fast: 1000 },
};

/** The full run: 1, 50 and 200 sessions, a fresh relay process per row. */
export const BROKER_FULL: BrokerPlan = {
  reuseRelays: false,
  sessions: [1, 50, 200],
  paces: ["paced", "fast"],
  warmMs: 1500,
  settleMs: 1000,
  windowMs: { paced: 6000, fast: 4000 },
};

/** The relays compared, in their table order. */
export const RELAYS: readonly RelayKind[] = ["ours", "lite", "floor"];

/** One relay at one (sessions, pace). */
export interface RelayRun {
  readonly relay: RelayKind;
  readonly sessions: number;
  readonly pace: Pace;
  /** Sessions that reached their first `sync`. */
  readonly opened: number;
  readonly seconds: number;
  readonly mbRelayed: number;
  readonly mbPerS: number;
  readonly cpuMs: number;
  readonly cpuMsPerMB: number;
  readonly rssBaselineMB: number;
  readonly rssMB: number;
  readonly rssPerSessionMB: number;
  readonly heapPerSessionMB: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly samples: number };
  readonly errors: readonly string[];
}

const TSX_FLAGS = ["--import", "tsx", "--conditions=@guacstream/source"];
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function startChild(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...nodeFlags, ...TSX_FLAGS, here(script), ...args], {
    stdio: ["pipe", "pipe", "inherit", "ipc"],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (data: Buffer) => {
      out += data;
      const match = /port (\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once("exit", (code) => reject(new Error(`Cannot start ${script}: exited with ${code}`)));
    child.once("error", reject);
  });
}

function statsOf(child: ChildProcess, gc = false): Promise<RelayStats> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as RelayStats));
    child.send({ type: "stats", gc });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Makes each relay's URL for one session. */
export interface Tokens {
  readonly env: Record<string, string>;
  url(relay: RelayKind, port: number, hostname: string): Promise<string>;
}

/** Fresh token keys for ours and guacamole-lite, and each relay's session URL. */
export async function makeTokens(): Promise<Tokens> {
  const secret = generateTokenSecret();
  const key = await importTokenKey(secret);
  const liteKey = randomBytes(16).toString("hex"); // 32 characters: an AES-256 key, as lite takes it
  return {
    env: { BENCH_TUNNEL_SECRET: secret, BENCH_LITE_KEY: liteKey },
    async url(relay, port, hostname) {
      const base = `ws://127.0.0.1:${port}/`;
      if (relay === "floor") return base;
      if (relay === "ours") {
        const token = await sealToken(
          key,
          { protocol: "vnc", parameters: { hostname, port: "5900" }, width: 1024, height: 768 },
          { expiresIn: 3_600_000 },
        );
        return `${base}?token=${encodeURIComponent(token)}`;
      }
      // guacamole-lite's README: AES-256-CBC, {iv, value} as base64 JSON, then base64.
      const iv = randomBytes(16);
      const cipher = createCipheriv("aes-256-cbc", Buffer.from(liteKey), iv);
      const plain = JSON.stringify({
        connection: { type: "vnc", settings: { hostname, port: "5900", width: 1024, height: 768 } },
      });
      const value = cipher.update(plain, "utf8", "base64") + cipher.final("base64");
      const token = Buffer.from(JSON.stringify({ iv: iv.toString("base64"), value })).toString(
        "base64",
      );
      return `${base}?token=${encodeURIComponent(token)}`;
    },
  };
}

async function openSessions(
  relay: RelayKind,
  port: number,
  count: number,
  hostname: string,
  tokens: Tokens,
  counters: LoadCounters,
  hold: boolean,
): Promise<{ sessions: LoadSession[]; opened: number }> {
  const sessions: LoadSession[] = [];
  const stagger = count > 1 ? Math.min(1000, count * 5) / count : 0;
  for (let i = 0; i < count; i++) {
    const url = await tokens.url(relay, port, hostname);
    sessions.push(
      new LoadSession(url, counters, relay === "floor" ? { hostname } : undefined, hold),
    );
    if (stagger > 0) await sleep(stagger);
  }
  // Cleared once every session is ready: a pending 15 s timer kept the bench alive after its report.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), 15_000);
  });
  const results = await Promise.all(
    sessions.map((s) => Promise.race([s.ready.then(() => true), timeout]).catch(() => false)),
  );
  clearTimeout(timer);
  for (const s of sessions) s.resume();
  return { sessions, opened: results.filter(Boolean).length };
}

/** Runs one relay at one (sessions, pace): a fresh relay process unless `reuse` is given. */
export async function runRelay(
  relay: RelayKind,
  sessions: number,
  pace: Pace,
  simPort: number,
  tokens: Tokens,
  plan: BrokerPlan,
  reuse?: { child: ChildProcess; port: number },
): Promise<RelayRun> {
  const { child, port } = reuse ?? (await startRelay(relay, simPort, tokens));
  try {
    const hostname = pace === "paced" ? PACED_HOSTNAME : "fast";
    const warm = newCounters();
    const warmup = await openSessions(relay, port, 1, PACED_HOSTNAME, tokens, warm, false);
    await sleep(plan.warmMs);
    for (const s of warmup.sessions) s.close();
    await sleep(200);
    const baseline = await statsOf(child, true);

    const counters = newCounters();
    const open = await openSessions(
      relay,
      port,
      sessions,
      hostname,
      tokens,
      counters,
      pace === "fast",
    );
    await sleep(plan.settleMs);
    counters.recording = true;
    const before = await statsOf(child);
    const bytesBefore = counters.bytes;
    const started = performance.now();
    const rss: number[] = [];
    const heap: number[] = [];
    const until = started + plan.windowMs[pace];
    while (performance.now() < until) {
      await sleep(Math.min(250, Math.max(0, until - performance.now())));
      const s = await statsOf(child);
      rss.push(s.rss);
      heap.push(s.heapUsed + s.external);
    }
    const after = await statsOf(child);
    const seconds = (performance.now() - started) / 1000;
    counters.recording = false;
    const mb = (counters.bytes - bytesBefore) / 1e6;
    for (const s of open.sessions) s.close();
    const cpuMs = (after.cpuUs - before.cpuUs) / 1000;
    const latencies = counters.latencies;
    const n = Math.max(1, open.opened);
    return {
      relay,
      sessions,
      pace,
      opened: open.opened,
      seconds,
      mbRelayed: mb,
      mbPerS: mb / seconds,
      cpuMs,
      cpuMsPerMB: cpuMs / mb,
      rssBaselineMB: baseline.rss / 1e6,
      rssMB: median(rss) / 1e6,
      rssPerSessionMB: (median(rss) - baseline.rss) / 1e6 / n,
      heapPerSessionMB: (median(heap) - baseline.heapUsed - baseline.external) / 1e6 / n,
      latencyMs: {
        p50: quantile(latencies, 0.5) / 1000,
        p99: quantile(latencies, 0.99) / 1000,
        samples: latencies.length,
      },
      errors: [...new Set([...warm.errors, ...counters.errors])].slice(0, 3),
    };
  } finally {
    if (reuse === undefined) await stop(child);
  }
}

/** A relay process (`broker/relay-child.ts`); `nodeFlags` go before the script (a profiler). */
export function startRelay(
  relay: RelayKind,
  simPort: number,
  tokens: Tokens,
  nodeFlags: readonly string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  return startChild("./relay-child.ts", [relay, String(simPort)], tokens.env, [
    "--expose-gc",
    ...nodeFlags,
  ]);
}

/** The simulator process every relay connects to. */
export async function startSimulator(): Promise<{ port: number; close(): Promise<void> }> {
  const { child, port } = await startChild("./simulator-child.ts", [], {});
  return {
    port,
    async close() {
      child.stdin!.end();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise((r) => child.once("exit", r)),
        new Promise((r) => {
          timer = setTimeout(r, 2000);
        }),
      ]);
      clearTimeout(timer);
      await stop(child);
    },
  };
}

/** The targets for one (sessions, pace), as "reference / ours" ratios. */
export function brokerTargets(runs: readonly RelayRun[]): TargetStatus[] {
  const ours = runs.find((r) => r.relay === "ours");
  const lite = runs.find((r) => r.relay === "lite");
  const floor = runs.find((r) => r.relay === "floor");
  if (ours === undefined) return [];
  const where = `${ours.sessions} ${ours.pace}`;
  const targets: TargetStatus[] = [];
  const push = (what: string, against: string, target: number, value: number): void => {
    targets.push({ input: where, case: what, against, target, ratio: value, met: value >= target });
  };
  if (lite !== undefined) {
    push("CPU ms/MB <= 1/3", "lite", 3, lite.cpuMsPerMB / ours.cpuMsPerMB);
    push("RSS/session <= 1/2", "lite", 2, lite.rssPerSessionMB / ours.rssPerSessionMB);
    push("latency p99 no worse", "lite", 1, lite.latencyMs.p99 / ours.latencyMs.p99);
  }
  if (floor !== undefined) {
    push("CPU ms/MB <= 1.3x floor", "floor", 1 / 1.3, floor.cpuMsPerMB / ours.cpuMsPerMB);
  }
  return targets;
}

function printRuns(runs: readonly RelayRun[], ctx: SectionContext): void {
  ctx.log(
    table(
      [
        "relay",
        "sessions",
        "pace",
        "opened",
        "MB/s",
        "CPU ms/MB",
        "RSS base MB",
        "RSS/session MB",
        "heap+ext/session MB",
        "latency p50 ms",
        "p99 ms",
        "errors",
      ],
      runs.map((r) => [
        r.relay,
        String(r.sessions),
        r.pace,
        String(r.opened),
        fmt(r.mbPerS),
        fmt(r.cpuMsPerMB, 2),
        fmt(r.rssBaselineMB),
        fmt(r.rssPerSessionMB, 3),
        fmt(r.heapPerSessionMB, 3),
        fmt(r.latencyMs.p50, 2),
        fmt(r.latencyMs.p99, 2),
        r.errors.length === 0 ? "" : r.errors[0]!.slice(0, 40),
      ]),
    ),
  );
}

/** Builds the broker section. */
/** The targets and each relay's own figures as report figures; 50 paced sessions are the headline. */
function figuresOf(runs: readonly RelayRun[], targets: readonly TargetStatus[]): Figure[] {
  const figures: Figure[] = targets.map((t) => ({
    id: `broker/${t.input}/${t.case}`,
    label: `${t.input} ${t.case}${t.against === "floor" ? "" : " vs lite"}`,
    group: t.input,
    value: t.ratio,
    unit: RATIO,
    target: { op: ">=", value: t.target },
    // The paced rows are what a broker carries; fast rows show the relay's ceiling.
    headline: t.input.endsWith("paced"),
  }));
  for (const r of runs) {
    const where = `${r.sessions} ${r.pace}`;
    const base = { group: where };
    figures.push(
      {
        ...base,
        id: `broker/${where}/${r.relay}/cpu`,
        label: `${where} ${r.relay} CPU per MB`,
        value: r.cpuMsPerMB,
        unit: "ms/MB",
      },
      {
        ...base,
        id: `broker/${where}/${r.relay}/rss`,
        label: `${where} ${r.relay} RSS per session`,
        value: r.rssPerSessionMB,
        unit: "MB",
      },
      {
        ...base,
        id: `broker/${where}/${r.relay}/p99`,
        label: `${where} ${r.relay} latency p99`,
        value: r.latencyMs.p99,
        unit: "ms",
      },
    );
  }
  return figures;
}

export const brokerSection: Section = {
  name: "broker",
  title: "Broker: ours vs guacamole-lite 1.2.0 vs a floor relay, per session",
  estimateSeconds: { quick: 10, default: 16, full: 300 },
  async run(ctx: SectionContext): Promise<SectionResult> {
    const plan =
      ctx.mode === "full" ? BROKER_FULL : ctx.mode === "default" ? BROKER_DEFAULT : BROKER_QUICK;
    ctx.progress.plan(plan.sessions.length * plan.paces.length * RELAYS.length);
    ctx.log(
      `method: each relay in its own ${plan.reuseRelays ? "process (one for all rows)" : "fresh process per row"}, ` +
        "the same simulator process behind, " +
        "the same ws clients in front (every message read, sync echoed); CPU = the relay's own " +
        `user+system time over MB its clients received in a ${plan.windowMs.paced / 1000} s ` +
        `(paced) / ${plan.windowMs.fast / 1000} s (fast) window; RSS/session = (median RSS in ` +
        "the window - RSS after warm-up and GC) / sessions; latency = simulator write to client message",
    );
    const tokens = await makeTokens();
    const { port: simPort, close: closeSim } = await startSimulator();
    const runs: RelayRun[] = [];
    const targets: TargetStatus[] = [];
    const shared = new Map<RelayKind, { child: ChildProcess; port: number }>();
    try {
      if (plan.reuseRelays) {
        const started = await Promise.all(RELAYS.map((r) => startRelay(r, simPort, tokens)));
        for (const [k, r] of RELAYS.entries()) shared.set(r, started[k]!);
      }
      let rotation = 0;
      for (const sessions of plan.sessions) {
        for (const pace of plan.paces) {
          const order = RELAYS.map((_, k) => RELAYS[(k + rotation) % RELAYS.length]!);
          rotation++;
          const group: RelayRun[] = [];
          for (const relay of order) {
            ctx.progress.step(`${relay} relay, ${sessions} ${pace} sessions`);
            group.push(
              await runRelay(relay, sessions, pace, simPort, tokens, plan, shared.get(relay)),
            );
          }
          group.sort((a, b) => RELAYS.indexOf(a.relay) - RELAYS.indexOf(b.relay));
          runs.push(...group);
          targets.push(...brokerTargets(group));
        }
      }
    } finally {
      for (const { child } of shared.values()) await stop(child);
      await closeSim();
    }
    ctx.log();
    printRuns(runs, ctx);
    ctx.log();
    ctx.log("## Targets (reference / ours, same run; >= target is met)");
    ctx.log(
      targetsTable("sessions pace", targets, (t) => [`>= ${t.target.toFixed(2)}x`, ratio(t.ratio)]),
    );
    return {
      data: { plan, runs },
      figures: figuresOf(runs, targets),
      method:
        "reference / ours (>1: ours better), each relay in its own process, the same simulator " +
        "and ws clients; CPU and RSS are the relay's own",
    };
  },
};
