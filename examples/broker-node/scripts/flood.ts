// Measures an example broker (Node or Deno) under floods: while one attacker floods at full
// speed, how late is the broker's event loop, how much does its memory grow, how much of an honest
// session's throughput is left, is the attacker cut off, and where did the machine's CPU go?
//
//   npx tsx --conditions=@guacstream/source examples/broker-node/scripts/flood.ts [seconds]
//     [--broker=node|deno] [--rounds=N] [--attackers-nice=N] [--broker-defaults]
//     [--profile=<dir>] [phase ...]
//
// Method: every part runs in a process of its own: the broker (its event-loop delay: the
// intervals of a 10 ms timer, and its RSS sampled every 20 ms, both reset at each phase), the
// simulator replaying the VNC desktop forever behind a counting proxy, the honest session (one
// tunnel from 127.0.0.1, every sync echoed, pings as guacamole-common-js sends them) and the
// attackers (each phase from an address of its own, 127.0.0.2 on, so the per-client caps act on
// the attacker alone, as they would on the Internet). The broker keeps its defaults but for the
// rate of new tunnels per client (6000 a minute, not 60) and the abuse cooldown (none, not 10 s),
// so that the attackers' reconnections test the bounds of each phase again and again;
// `--broker-defaults` keeps every default, as a deployment runs. Tokens are sealed with a shared
// secret (the brokers run without demo tokens). Phases of `seconds` each (default 10): `alone`, then
// `flood-size` (1 MiB messages of `3.nop;`, reconnecting when closed), `flood-rate` (messages of
// 200 `3.nop;`, under the instruction cap, so the rate cap must act), `ping-echo` (tunnels that
// read nothing and send `0.,4.ping,8000.…;` as fast as their socket takes them), `ws-ping`
// (WebSocket pings from tunnels that read nothing), `fragments` (20 connections at once with no
// valid token, each streaming 1-byte text fragments), `tunnels` (one client opening and holding
// tunnels as fast as it can). Each phase's `seconds` (default 10) are cut into `rounds` windows
// (4), each right after an alone window as long, a second's pause after each: the honest share
// is the median (and range) over the rounds of the attack window's throughput over the alone
// window's, so load from elsewhere on the machine that comes and goes touches both sides of each
// ratio. RSS is read two ways: the phase's peak over the idle broker (started, no tunnel), which
// holds the honest session's own churn too, and what the attack adds, the attack window's peak
// over the peak of the alone window before it (the largest over the rounds). The loop's
// percentiles are over all the phase's attack windows.
//
// The machine: every process shares its cores. The honest session alone is CPU-bound (simulator,
// broker and browser stand-in each take what they can), so what the attackers' own processes use
// is taken from it too, which would not happen with attackers on other machines. Each phase
// therefore reports each process's CPU (percent of one core; `other` is the rest of the machine,
// `idle` what nobody used), and `--attackers-nice=N` runs the attackers at nice N (say 19) to
// model attackers elsewhere: they then get the CPU the rest leaves, so their sent bytes are
// reported beside, to show how hard they still flooded. Figures are printed and written to
// .test-results/examples/flood[-deno].json. One run; run it several times for a spread.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { setPriority } from "node:os";
import { join } from "node:path";
import { generateTokenSecret, importTokenKey, sealToken } from "@guacstream/tunnel";
import { artifacts, root } from "../test/_harness.ts";
import { type AttackResult, PHASES, type Phase } from "./_attacks.ts";
import { CpuWindow } from "./_cpu.ts";
import { type LoopDelay, loopDelayOf } from "./_loop-probe.ts";

export { attacksOn, PHASES, type Phase } from "./_attacks.ts";

/** The figures of one run. */
export interface FloodFigures {
  readonly broker: "node" | "deno";
  /** Seconds of attack per phase, in `rounds` windows. */
  readonly seconds: number;
  readonly rounds: number;
  /** The attackers' nice value (0: the same priority as the rest). */
  readonly attackersNice: number;
  /** The broker ran with all its default caps (else with the rate and cooldown relaxed). */
  readonly brokerDefaults: boolean;
  readonly phases: readonly PhaseFigures[];
}

/** One phase of a run. */
export interface PhaseFigures {
  readonly phase: Phase;
  readonly honestMBps: number;
  /** The median of the rounds' ratios (attack window over the alone window before it). */
  readonly honestRatio: number;
  /** The smallest and largest of the rounds' ratios. */
  readonly honestRatioRange: readonly [number, number];
  readonly honestOpen: boolean;
  /** Intervals of a 10 ms timer in the broker, in ms (an idle loop reads about 10). */
  readonly eventLoopDelayMs: LoopDelay;
  readonly floodTunnels: number;
  readonly floodCloseCodes: Readonly<Record<string, number>>;
  /** Milliseconds from a flooding tunnel's first message to its close, the median. */
  readonly floodCloseMs: number | undefined;
  /** Bytes a second the attackers handed to their sockets, in MB. */
  readonly floodSentMBps: number;
  readonly brokerRssMB: number;
  /** The broker's RSS peak in the phase, in MiB. */
  readonly brokerRssPeakMB: number;
  /** That peak over the idle broker's RSS (no tunnel open yet): the honest session's share too. */
  readonly brokerRssGrowthMB: number;
  /**
   * What the attack adds: the largest, over the rounds, of the attack window's RSS peak over the
   * peak of the alone window before it (the honest session's own churn taken out), in MiB.
   */
  readonly brokerRssAttackMB: number;
  /** Attack connections the broker refused or cut (any way: close, HTTP status, reset). */
  readonly attackRefused: number;
  /** Percent of one core used in the phase by each process, the rest of the machine, and idle. */
  readonly cpu: Readonly<Record<string, number>>;
}

/** How to run {@link measureFlood}. */
export interface FloodOptions {
  /** Phases to run besides `alone`. @default {all} */
  readonly only?: readonly Phase[] | undefined;
  /** @default {"node"} */
  readonly broker?: "node" | "deno";
  /** Nice value of the attackers' process. @default {0} */
  readonly attackersNice?: number;
  /** Run the broker with every default cap. @default {false} */
  readonly brokerDefaults?: boolean;
  /** Windows each phase's seconds are cut into, each after an alone window. @default {4} */
  readonly rounds?: number;
  /** Write the Node broker's CPU profile (`--cpu-prof`) into this folder. */
  readonly profileDir?: string | undefined;
}

/** What a measured broker reports: its loop's tick intervals (ms) and its RSS, since `reset`. */
export type Report = {
  intervals: number[];
  rss: number;
  rssPeak: number;
};

/** The broker under measurement, as the harness drives it. */
export interface MeasuredBroker {
  readonly url: string;
  /** The admin listener's `/metrics`. */
  readonly metricsUrl: string;
  readonly pid: number;
  reset(): Promise<void>;
  report(): Promise<Report>;
  stop(): Promise<void>;
}

const TSX = ["--conditions=@guacstream/source", "--import", "tsx"];
const HONEST = { protocol: "vnc", parameters: { hostname: "loop.sim", port: "5900" } } as const;

function forkScript(
  script: string,
  args: string[] = [],
  env?: NodeJS.ProcessEnv,
  execArgv: readonly string[] = [],
): ChildProcess {
  return fork(join(root, "examples/broker-node/scripts", script), args, {
    cwd: root,
    execArgv: [...TSX, ...execArgv],
    ...(env === undefined ? {} : { env }),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: { type: string }): void => {
      if (reply.type !== type) return;
      child.off("message", listener);
      resolve(reply as T);
    };
    child.on("message", listener);
  });
}

function ask<T>(child: ChildProcess, request: unknown, type: string): Promise<T> {
  const reply = message<T>(child, type);
  child.send(request as string);
  return reply;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function startNode(
  env: NodeJS.ProcessEnv,
  profileDir: string | undefined,
): Promise<MeasuredBroker> {
  const profile = profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
  const child = forkScript("_flood-broker.ts", [], env, profile);
  const { url, metricsUrl } = await message<{ url: string; metricsUrl: string }>(child, "ready");
  return {
    url,
    metricsUrl,
    pid: child.pid!,
    reset: () => ask(child, "reset", "reset"),
    report: () => ask<Report>(child, "report", "report"),
    stop: async () => {
      child.send("stop");
      await exited(child);
    },
  };
}

/** The Deno broker, its executable run directly (not npm's launcher) so its pid is its own. */
async function startDeno(env: NodeJS.ProcessEnv): Promise<MeasuredBroker> {
  const child = spawn(
    join(root, "node_modules/deno/deno"),
    ["run", "-A", "examples/broker-deno/probed.ts"],
    {
      cwd: root,
      env: {
        ...env,
        PORT: "0",
        HOST: "127.0.0.1",
        METRICS_PORT: "0",
        ...(env.FLOOD_DEFAULTS === "1"
          ? {}
          : {
              MAX_TUNNELS_PER_CLIENT: "16",
              NEW_TUNNELS_PER_MINUTE: "6000",
              ABUSE_COOLDOWN_MS: "0",
            }),
        NO_COLOR: "1",
        DENO_NO_UPDATE_CHECK: "1",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let output = "";
  const found = new Promise<{ url: string; probe: string; metricsUrl: string }>(
    (resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => {
        output += d.toString();
        const url = /Open (http:\/\/\S+)/.exec(output)?.[1];
        const probe = /Probe (http:\/\/\S+)/.exec(output)?.[1];
        const metricsUrl = /Metrics (http:\/\/\S+)/.exec(output)?.[1];
        if (url !== undefined && probe !== undefined && metricsUrl !== undefined) {
          resolve({ url, probe, metricsUrl });
        }
      });
      child.once("exit", () => reject(new Error(`The Deno broker did not start:\n${output}`)));
    },
  );
  const { url, probe, metricsUrl } = await found;
  return {
    url,
    metricsUrl,
    pid: child.pid!,
    reset: async () => void (await fetch(`${probe}reset`, { method: "POST" })).body?.cancel(),
    report: async () => (await (await fetch(`${probe}report`)).json()) as Report,
    stop: async () => {
      child.kill("SIGTERM");
      await exited(child);
    },
  };
}

/**
 * An example broker in production shape (a secret from `FLOOD_SECRET`, no demo tokens, metrics on
 * the loopback admin listener) against `GUACD_HOST`/`GUACD_PORT`, with its loop probe and RSS.
 */
export function startMeasuredBroker(
  kind: "node" | "deno",
  env: NodeJS.ProcessEnv,
  profileDir?: string,
): Promise<MeasuredBroker> {
  return kind === "node" ? startNode(env, profileDir) : startDeno(env);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One window's figures: the honest session's rate, the broker's loop and RSS, the CPU. */
interface Window {
  readonly seconds: number;
  readonly honestMBps: number;
  readonly honestOpen: boolean;
  readonly report: Report;
  readonly cpu: Record<string, number>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU shares of several windows, weighted by their length. */
function cpuOf(windows: readonly Window[]): Record<string, number> {
  const total = windows.reduce((n, w) => n + w.seconds, 0);
  const shares: Record<string, number> = {};
  for (const w of windows) {
    for (const [role, share] of Object.entries(w.cpu)) {
      shares[role] = (shares[role] ?? 0) + (share * w.seconds) / total;
    }
  }
  return shares;
}

function mergeAttacks(results: readonly AttackResult[]): AttackResult {
  const merged: AttackResult = { tunnels: 0, codes: {}, closeMs: [], sentBytes: 0 };
  for (const r of results) {
    merged.tunnels += r.tunnels;
    merged.sentBytes += r.sentBytes;
    merged.closeMs.push(...r.closeMs);
    for (const [code, n] of Object.entries(r.codes))
      merged.codes[code] = (merged.codes[code] ?? 0) + n;
  }
  return merged;
}

/** Runs the phases and returns the figures. */
export async function measureFlood(
  seconds: number,
  options: FloodOptions = {},
): Promise<FloodFigures> {
  const kind = options.broker ?? "node";
  const nice = options.attackersNice ?? 0;
  const rounds = Math.max(1, options.rounds ?? 4);
  const windowSeconds = seconds / rounds;
  const secret = generateTokenSecret();
  const key = await importTokenKey(secret);
  const env = {
    ...process.env,
    FLOOD_SECRET: secret,
    GUACSTREAM_TOKEN_SECRET: secret,
    FLOOD_DEFAULTS: options.brokerDefaults === true ? "1" : "0",
  };
  const guacdProcess = forkScript("_guacd.ts");
  const attacker = forkScript("_attacker.ts", [], env);
  let broker: MeasuredBroker | undefined;
  let honest: ChildProcess | undefined;
  try {
    const guacd = await message<{ host: string; port: number }>(guacdProcess, "guacd");
    await message(attacker, "ready");
    if (nice !== 0) setPriority(attacker.pid!, nice);
    const brokerEnv = { ...env, GUACD_HOST: guacd.host, GUACD_PORT: String(guacd.port) };
    broker = await startMeasuredBroker(kind, brokerEnv, options.profileDir);
    const measured = broker;
    const { url } = measured;
    // The idle broker: started, settled, no tunnel yet.
    await sleep(1000);
    await measured.reset();
    const idleRss = (await measured.report()).rss;
    const session = forkScript("_honest.ts", [url, await sealToken(key, HONEST)]);
    honest = session;
    const count = () => ask<{ received: number; open: boolean }>(session, "count", "count");
    await sleep(5000); // warm-up
    const cpu = new CpuWindow({
      broker: measured.pid,
      guacd: guacdProcess.pid!,
      honest: session.pid!,
      attackers: attacker.pid!,
      harness: process.pid,
    });
    /** One window of `windowSeconds`, alone or under `phase`'s attack. */
    const window = async (
      phase: Phase,
      from: string,
    ): Promise<{ window: Window; result: AttackResult | undefined }> => {
      await measured.reset();
      const start = performance.now();
      const before = (await count()).received;
      cpu.reset();
      const { result } =
        phase === "alone"
          ? await sleep(windowSeconds * 1000).then(() => ({ result: undefined }))
          : await ask<{ result: AttackResult | undefined }>(
              attacker,
              { phase, url, seconds: windowSeconds, from },
              "result",
            );
      const shares = cpu.read();
      const elapsed = (performance.now() - start) / 1000;
      const report = await measured.report();
      const after = await count();
      return {
        window: {
          seconds: elapsed,
          honestMBps: (after.received - before) / 1e6 / elapsed,
          honestOpen: after.open,
          report,
          cpu: shares,
        },
        result,
      };
    };
    const alone: Window[] = [];
    const attacked = new Map<
      Phase,
      { windows: Window[]; ratios: number[]; added: number[]; results: AttackResult[] }
    >();
    for (let round = 0; round < rounds; round++) {
      for (const [index, phase] of PHASES.entries()) {
        if (phase === "alone" || (options.only !== undefined && !options.only.includes(phase))) {
          continue;
        }
        // Each attack window right after an alone window of its own: the ratio between the two
        // holds even while the machine's other load comes and goes.
        const quiet = (await window("alone", "")).window;
        alone.push(quiet);
        const { window: under, result } = await window(phase, `127.0.0.${index + 1}`);
        const entry = attacked.get(phase) ?? { windows: [], ratios: [], added: [], results: [] };
        attacked.set(phase, entry);
        entry.windows.push(under);
        entry.ratios.push(quiet.honestMBps === 0 ? 0 : under.honestMBps / quiet.honestMBps);
        entry.added.push(under.report.rssPeak - quiet.report.rssPeak);
        if (result !== undefined) entry.results.push(result);
        // Let the broker settle (closes, GC) before the next window.
        await sleep(1000);
      }
    }
    const figures = (
      phase: Phase,
      windows: readonly Window[],
      ratios: readonly number[],
      added: readonly number[],
      result: AttackResult | undefined,
    ): PhaseFigures => {
      const seconds = windows.reduce((n, w) => n + w.seconds, 0);
      const rssPeak = Math.max(...windows.map((w) => w.report.rssPeak));
      const sorted = [...(result?.closeMs ?? [])].sort((a, b) => a - b);
      const codes = result?.codes ?? {};
      return {
        phase,
        honestMBps: windows.reduce((n, w) => n + w.honestMBps * w.seconds, 0) / seconds,
        honestRatio: median(ratios),
        honestRatioRange: [Math.min(...ratios), Math.max(...ratios)],
        honestOpen: windows.every((w) => w.honestOpen),
        eventLoopDelayMs: loopDelayOf(windows.flatMap((w) => w.report.intervals)),
        floodTunnels: result?.tunnels ?? 0,
        floodCloseCodes: codes,
        floodCloseMs: sorted.length === 0 ? undefined : sorted[sorted.length >> 1],
        floodSentMBps: (result?.sentBytes ?? 0) / 1e6 / seconds,
        brokerRssMB: windows[windows.length - 1]!.report.rss / 1e6,
        brokerRssPeakMB: rssPeak / 2 ** 20,
        brokerRssGrowthMB: Math.max(0, rssPeak - idleRss) / 2 ** 20,
        brokerRssAttackMB: Math.max(...added) / 2 ** 20,
        attackRefused: Object.entries(codes)
          .filter(([code]) => code !== "held" && code !== "1005")
          .reduce((n, [, k]) => n + k, 0),
        cpu: cpuOf(windows),
      };
    };
    const phases = [figures("alone", alone, [1], [0], undefined)];
    for (const [phase, entry] of attacked) {
      phases.push(
        figures(phase, entry.windows, entry.ratios, entry.added, mergeAttacks(entry.results)),
      );
    }
    const brokerDefaults = options.brokerDefaults === true;
    return { broker: kind, seconds, rounds, attackersNice: nice, brokerDefaults, phases };
  } finally {
    honest?.send("stop");
    await broker?.stop();
    attacker.kill();
    guacdProcess.send("stop");
    await Promise.all([exited(guacdProcess), exited(attacker), honest && exited(honest)]);
  }
}

const pct = (ratio: number): string => `${(ratio * 100).toFixed(0)}%`;
const signed = (mib: number): string => `${mib < 0 ? "" : "+"}${mib.toFixed(0)}`;

/** One line per phase, for people. */
export function describePhase(p: PhaseFigures): string {
  const loop = p.eventLoopDelayMs;
  const cpu = Object.entries(p.cpu)
    .map(([role, share]) => `${role} ${share.toFixed(0)}`)
    .join(" ");
  return (
    `${p.phase.padEnd(10)} honest ${p.honestMBps.toFixed(1)} MB/s (${pct(p.honestRatio)} of alone, ${pct(p.honestRatioRange[0])}–${pct(p.honestRatioRange[1])}; open: ${p.honestOpen})` +
    `  loop p50 ${loop.p50.toFixed(1)} p99 ${loop.p99.toFixed(1)} max ${loop.max.toFixed(1)} ms` +
    `  RSS peak ${p.brokerRssPeakMB.toFixed(0)} MiB (+${p.brokerRssGrowthMB.toFixed(0)} over idle` +
    (p.phase === "alone" ? ")" : `, ${signed(p.brokerRssAttackMB)} over alone)`) +
    `  flood ${p.floodSentMBps.toFixed(1)} MB/s, ${p.floodTunnels} tunnels, closed ${JSON.stringify(p.floodCloseCodes)}` +
    (p.floodCloseMs === undefined ? "" : ` after ${p.floodCloseMs.toFixed(0)} ms`) +
    `\n${"".padEnd(10)} cpu % of a core: ${cpu}`
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const positional = args.filter((a) => !a.startsWith("--"));
  const only = positional.slice(1) as Phase[];
  const broker = flag("broker") === "deno" ? "deno" : "node";
  const figures = await measureFlood(Number(positional[0] ?? 10), {
    only: only.length === 0 ? undefined : only,
    broker,
    attackersNice: Number(flag("attackers-nice") ?? 0),
    brokerDefaults: args.includes("--broker-defaults"),
    rounds: Number(flag("rounds") ?? 4),
    profileDir: flag("profile"),
  });
  console.log(
    `${broker} broker, ${figures.seconds} s of attack a phase in ${figures.rounds} rounds, attackers at nice ${figures.attackersNice}` +
      (figures.attackersNice === 0 ? " (the same priority as the rest)" : "") +
      (figures.brokerDefaults ? ", the broker's default caps" : ", rate and cooldown relaxed"),
  );
  for (const p of figures.phases) console.log(describePhase(p));
  mkdirSync(artifacts, { recursive: true });
  const name = broker === "node" ? "flood.json" : "flood-deno.json";
  writeFileSync(join(artifacts, name), `${JSON.stringify(figures, null, 2)}\n`);
}
