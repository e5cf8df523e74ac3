// Load, by hand (not in CI): N concurrent sessions through two Node brokers sharing one Redis, to
// three guacd simulators replaying the native VNC recording (163 KB over 2.6 s) at recorded pace,
// in a loop, so traffic is steady. Run:
//
//   npx tsx --conditions=@guacstream/source examples/broker-node/scripts/scale-load.ts \
//     [--sessions 1000] [--seconds 20] [--store redis|memory] [--probes 100]
//
// With --store memory each broker keeps its replay guard and registry in memory (no REDIS_URL):
// the difference in open latency between the two runs is what the shared store adds.
//
// Method: each broker and each simulator is its own `node --import tsx` process. A broker's RSS
// (VmRSS) and CPU time (utime + stime from /proc/<pid>/stat) are read before the first session
// (baseline), once all sessions are open, and at the end. Memory per session = (RSS with all open − baseline) / N.
// CPU per MB = CPU seconds over the streaming window / MB delivered to the clients in it. Open
// latency = WebSocket creation → the tunnel's first message (token claim, guacd connect and
// handshake), per session; reported as median, p95, p99. Sessions open in batches of 50, so that
// figure includes queueing; once all are open and streaming, --probes more sessions are opened
// one at a time (each closed before the next), which is the latency one user sees under that
// load. The store's share of it is the probe median with --store redis minus with memory.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { generateTokenSecret, importTokenKey, sealToken } from "@guacstream/tunnel";
import { type RunningRedisServer, startRedisServer } from "@guacstream/tunnel-redis/testing";
import { root, waitFor } from "../test/_harness.ts";
import { metricsOf } from "../test/_prometheus.ts";
import { type BrowserSession, openSession, scrape } from "../test/_sessions.ts";

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "1000" },
    seconds: { type: "string", default: "20" },
    store: { type: "string", default: "redis" },
    probes: { type: "string", default: "100" },
  },
});
const N = Number(values.sessions);
const SECONDS = Number(values.seconds);
const useRedis = values.store === "redis";
const PROBES = Number(values.probes);

function procStats(pid: number): { rss: number; cpu: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return { rss, cpu: ticks / 100 };
}

interface Broker {
  url: string;
  metricsUrl: string;
  pid: number;
  child: ChildProcess;
}

/** A child process (`node --import tsx <script>`) that prints `pattern` once it is ready. */
async function startProcess(
  script: string,
  env: Record<string, string>,
  pattern: RegExp,
): Promise<{ match: RegExpExecArray; pid: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@guacstream/source", "--import", "tsx", script],
    {
      cwd: root,
      env: { ...process.env, PORT: "0", NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (d: Buffer) => {
    output += d.toString();
    if (output.length > 100_000) output = output.slice(-10_000);
  });
  child.stderr!.on("data", (d: Buffer) => {
    output += d.toString();
  });
  // LOAD_LOG_DIR=<dir> keeps each process's output (tunnel events, store errors) for a look.
  const logDir = process.env.LOAD_LOG_DIR;
  if (logDir !== undefined) {
    const file = createWriteStream(join(logDir, `${basename(script, ".ts")}-${child.pid}.log`));
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  }
  const match = await waitFor(() => pattern.exec(output), script, 60_000);
  return { match, pid: child.pid!, child };
}

async function startBrokerProcess(env: Record<string, string>): Promise<Broker> {
  const { match, pid, child } = await startProcess(
    "examples/broker-node/src/main.ts",
    // One load client holds every session: the per-client caps are not what is measured here.
    {
      METRICS_PORT: "0",
      MAX_TUNNELS_PER_CLIENT: "100000",
      NEW_TUNNELS_PER_MINUTE: "10000000",
      MAX_CONNECTIONS_PER_SECOND: "10000000",
      ...env,
    },
    /Metrics (http:\/\/\S+)[\s\S]*Open (http:\/\/\S+)/,
  );
  return { url: match[2]!, metricsUrl: match[1]!, pid, child };
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

let redis: RunningRedisServer | undefined;
const sims: { host: string; port: number; child: ChildProcess }[] = [];
const brokers: Broker[] = [];
const clients: BrowserSession[] = [];
try {
  if (useRedis) redis = await startRedisServer();
  // Each simulator in its own process, so the guacd side is not what limits the brokers.
  for (let i = 0; i < 3; i++) {
    const { match, child } = await startProcess(
      "examples/broker-node/scripts/_sim.ts",
      {},
      /listening on (\S+):(\d+)/,
    );
    sims.push({ host: match[1]!, port: Number(match[2]), child });
  }
  const secret = generateTokenSecret();
  const key = await importTokenKey(secret);
  for (const id of ["a", "b"]) {
    brokers.push(
      await startBrokerProcess({
        GUACD_ENDPOINTS: sims.map((s, i) => `g${i + 1}=${s.host}:${s.port}`).join(","),
        GUACSTREAM_TOKEN_SECRET: secret,
        BROKER_ID: id,
        ...(redis === undefined ? {} : { REDIS_URL: redis.url }),
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 1000));
  const baseline = brokers.map((b) => procStats(b.pid));

  const latencies: number[] = [];
  for (let start = 0; start < N; start += 50) {
    const batch: Promise<void>[] = [];
    for (let k = start; k < Math.min(N, start + 50); k++) {
      const broker = brokers[k % 2]!;
      const token = await sealToken(
        key,
        { protocol: "rdp", parameters: { hostname: "desktop.sim" } },
        { expiresIn: 600_000 },
      );
      const began = performance.now();
      const session = openSession(broker.url, token);
      clients.push(session);
      batch.push(
        Promise.race([
          session.opened.then(() => void latencies.push(performance.now() - began)),
          session.closed.then(({ code, reason }) => {
            throw new Error(`session ${k} closed: ${code} ${reason}`);
          }),
        ]),
      );
    }
    await Promise.all(batch);
  }
  const allOpen = brokers.map((b) => procStats(b.pid));
  const bytesAtOpen = clients.reduce((n, c) => n + c.received(), 0);
  const started = performance.now();
  console.log(`${N} sessions open; streaming ${SECONDS} s`);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const window = (performance.now() - started) / 1000;
  const end = brokers.map((b) => procStats(b.pid));
  const bytes = clients.reduce((n, c) => n + c.received(), 0) - bytesAtOpen;
  const cpu = end.reduce((n, s, i) => n + s.cpu - allOpen[i]!.cpu, 0);
  const pages = await Promise.all(brokers.map((b) => scrape(b.metricsUrl)));
  // Mean registry call time per broker, from the histogram's sum and count.
  const registry = pages.map((page) => {
    const read = (name: string, op: string): number =>
      Number(new RegExp(`^${name}\\{operation="${op}"\\} (\\S+)$`, "m").exec(page)?.[1] ?? 0);
    const count = read("guacstream_registry_seconds_count", "put");
    const sum = read("guacstream_registry_seconds_sum", "put");
    return {
      puts: count,
      meanPutMs: count === 0 ? 0 : Number(((sum / count) * 1000).toFixed(3)),
      opened: metricsOf(page)("guacstream_tunnels_opened_total"),
    };
  });
  const closed = clients.filter((c) => c.ws.readyState !== 1).length;
  const probes: number[] = [];
  for (let k = 0; k < PROBES; k++) {
    const token = await sealToken(
      key,
      { protocol: "rdp", parameters: { hostname: "desktop.sim" } },
      { expiresIn: 60_000 },
    );
    const began = performance.now();
    const probe = openSession(brokers[k % 2]!.url, token);
    await Promise.race([probe.opened, probe.closed]);
    probes.push(performance.now() - began);
    probe.ws.close();
    await probe.closed;
  }
  probes.sort((x, y) => x - y);
  latencies.sort((x, y) => x - y);
  const result = {
    store: useRedis ? "redis" : "memory",
    sessions: N,
    perEndpoint: pages.map((page) =>
      ["g1", "g2", "g3"].map((endpoint) =>
        metricsOf(page)("guacstream_tunnels_active", { endpoint }),
      ),
    ),
    closedEarly: closed,
    openLatencyMs: {
      median: Number(quantile(latencies, 0.5).toFixed(1)),
      p95: Number(quantile(latencies, 0.95).toFixed(1)),
      p99: Number(quantile(latencies, 0.99).toFixed(1)),
    },
    probeOpenLatencyMs: {
      n: probes.length,
      median: Number(quantile(probes, 0.5).toFixed(2)),
      p95: Number(quantile(probes, 0.95).toFixed(2)),
    },
    rssPerSessionKB: brokers.map((_, i) =>
      Math.round((allOpen[i]!.rss - baseline[i]!.rss) / (N / 2) / 1024),
    ),
    brokerRssMB: end.map((s) => Number((s.rss / 1e6).toFixed(1))),
    streamMBps: Number((bytes / window / 1e6).toFixed(2)),
    cpuSecondsPerMB: Number((cpu / (bytes / 1e6)).toFixed(4)),
    brokerCpuPercent: Number(((cpu / window) * 100).toFixed(1)),
    registry,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const c of clients) c.ws.terminate();
  for (const b of brokers) {
    b.child.kill("SIGTERM");
    await new Promise((r) => b.child.once("exit", r));
  }
  for (const s of sims) {
    s.child.kill("SIGTERM");
    await new Promise((r) => s.child.once("exit", r));
  }
  await redis?.stop();
}
