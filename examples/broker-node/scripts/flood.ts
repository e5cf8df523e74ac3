// Measures the Node example broker under a flood (issue 10): while one attacker floods at full
// speed, how late is the broker's event loop, how much of an honest session's throughput is
// left, and is the flooding tunnel closed?
//
//   npx tsx --conditions=@guacstream/source examples/broker-node/scripts/flood.ts [seconds]
//
// Method: the broker runs in its own process (IPC for its event-loop delay histogram, 10 ms
// resolution, reset at each phase). The simulator replays the VNC desktop forever behind a
// counting proxy, in this process, with the clients. Phases of `seconds` each (default 10):
// `alone` (one honest session, every sync echoed), then with the honest session still running,
// `flood-size` (the attacker, on a quiet SSH session of its own, sends 1 MiB messages of `3.nop;`, 174,762 instructions each, as fast
// as its socket takes them; each time its tunnel is closed it fetches a token and reconnects) and
// `flood-rate` (messages of 200 `3.nop;` each, as fast as possible: under the instruction cap, so
// the rate cap must act). Honest throughput = bytes received in the phase / its duration; the
// ratio is against `alone`. Figures are printed and written to
// .test-results/examples/flood.json. One run; run it several times for a spread (the machine is
// shared and noisy).
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { artifacts, root, startCountedGuacd } from "../test/_harness.ts";

/** The figures of one run. */
export interface FloodFigures {
  readonly seconds: number;
  readonly phases: readonly PhaseFigures[];
}

/** One phase of a run. */
export interface PhaseFigures {
  readonly phase: "alone" | "flood-size" | "flood-rate";
  readonly honestMBps: number;
  readonly honestRatio: number;
  readonly honestOpen: boolean;
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly floodTunnels: number;
  readonly floodCloseCodes: Readonly<Record<string, number>>;
  /** Milliseconds from a flooding tunnel's first message to its close, the median. */
  readonly floodCloseMs: number | undefined;
  readonly brokerRssMB: number;
}

type Report = { p50: number; p99: number; max: number; rss: number };

function ask<T>(child: ChildProcess, message: string, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: { type: string }): void => {
      if (reply.type !== type) return;
      child.off("message", listener);
      resolve(reply as T);
    };
    child.on("message", listener);
    child.send(message);
  });
}

function echoSyncs(ws: WebSocket, data: Buffer): void {
  for (const m of data.toString("latin1").matchAll(/4\.sync,(\d+)\.(\d+)/g)) {
    if (ws.readyState === WebSocket.OPEN) ws.send(`4.sync,${m[1]}.${m[2]};`);
  }
}

async function token(url: string, profile: "vnc" | "ssh"): Promise<string> {
  const response = await fetch(`${url}demo/token?profile=${profile}`);
  return ((await response.json()) as { token: string }).token;
}

/** Floods until `until`, reconnecting each time the broker closes the tunnel. */
async function flood(
  url: string,
  origin: string,
  message: string,
  until: number,
): Promise<{ tunnels: number; codes: Record<string, number>; closeMs: number[] }> {
  const codes: Record<string, number> = {};
  const closeMs: number[] = [];
  let tunnels = 0;
  while (performance.now() < until) {
    const ws = new WebSocket(
      `${url.replace("http", "ws")}tunnel?token=${await token(url, "ssh")}`,
      "guacamole",
      {
        origin,
      },
    );
    tunnels++;
    let first: number | undefined;
    const code = await new Promise<number>((resolve) => {
      ws.on("error", () => {});
      ws.on("close", (c) => resolve(c));
      ws.once("message", () => {
        const pump = (): void => {
          while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 4 << 20) {
            first ??= performance.now();
            ws.send(message);
            if (performance.now() >= until) {
              ws.close();
              return;
            }
          }
          if (ws.readyState === WebSocket.OPEN) setImmediate(pump);
        };
        pump();
      });
    });
    if (first !== undefined) closeMs.push(performance.now() - first);
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return { tunnels, codes, closeMs };
}

/** Runs the phases and returns the figures. */
export async function measureFlood(seconds: number): Promise<FloodFigures> {
  const guacd = await startCountedGuacd();
  const child = fork(join(root, "examples/broker-node/scripts/_flood-broker.ts"), [], {
    cwd: root,
    execArgv: ["--conditions=@guacstream/source", "--import", "tsx"],
    env: { ...process.env, GUACD_HOST: guacd.host, GUACD_PORT: String(guacd.port) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const { url } = await new Promise<{ url: string }>((resolve) =>
      child.once("message", (m) => resolve(m as { url: string })),
    );
    const origin = new URL(url).origin;
    let received = 0;
    let honestOpen = true;
    const honest = new WebSocket(
      `${url.replace("http", "ws")}tunnel?token=${await token(url, "vnc")}`,
      "guacamole",
      {
        origin,
      },
    );
    honest.on("message", (data: Buffer) => {
      received += data.length;
      echoSyncs(honest, data);
    });
    honest.on("close", () => {
      honestOpen = false;
    });
    const ping = setInterval(() => {
      if (honest.readyState === WebSocket.OPEN) honest.send(`0.,4.ping,13.${Date.now()};`);
    }, 500);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // warm-up
    const phases: PhaseFigures[] = [];
    let aloneMBps = 0;
    const messages = {
      alone: undefined,
      "flood-size": "3.nop;".repeat(Math.floor((1 << 20) / 6)),
      "flood-rate": "3.nop;".repeat(200),
    } as const;
    for (const phase of ["alone", "flood-size", "flood-rate"] as const) {
      await ask(child, "reset", "reset");
      const start = performance.now();
      const before = received;
      const until = start + seconds * 1000;
      const message = messages[phase];
      const attack =
        message === undefined
          ? new Promise<undefined>((resolve) =>
              setTimeout(() => resolve(undefined), seconds * 1000),
            )
          : flood(url, origin, message, until);
      const result = await attack;
      const elapsed = (performance.now() - start) / 1000;
      const report = await ask<Report>(child, "report", "report");
      const mbps = (received - before) / 1e6 / elapsed;
      if (phase === "alone") aloneMBps = mbps;
      const sorted = [...(result?.closeMs ?? [])].sort((a, b) => a - b);
      phases.push({
        phase,
        honestMBps: mbps,
        honestRatio: aloneMBps === 0 ? 0 : mbps / aloneMBps,
        honestOpen,
        eventLoopDelayMs: { p50: report.p50, p99: report.p99, max: report.max },
        floodTunnels: result?.tunnels ?? 0,
        floodCloseCodes: result?.codes ?? {},
        floodCloseMs: sorted.length === 0 ? undefined : sorted[sorted.length >> 1],
        brokerRssMB: report.rss / 1e6,
      });
    }
    clearInterval(ping);
    honest.close();
    return { seconds, phases };
  } finally {
    child.send("stop");
    await new Promise((resolve) => child.once("exit", resolve));
    await guacd.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureFlood(Number(process.argv[2] ?? 10));
  for (const p of figures.phases) {
    console.log(
      `${p.phase.padEnd(10)} honest ${p.honestMBps.toFixed(1)} MB/s (${(p.honestRatio * 100).toFixed(0)}% of alone, open: ${p.honestOpen})` +
        `  event-loop delay p50 ${p.eventLoopDelayMs.p50.toFixed(1)} ms p99 ${p.eventLoopDelayMs.p99.toFixed(1)} ms max ${p.eventLoopDelayMs.max.toFixed(1)} ms` +
        `  flood tunnels ${p.floodTunnels} closed ${JSON.stringify(p.floodCloseCodes)} after ${p.floodCloseMs?.toFixed(0) ?? "-"} ms (median)` +
        `  broker RSS ${p.brokerRssMB.toFixed(0)} MB`,
    );
  }
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, "flood.json"), `${JSON.stringify(figures, null, 2)}\n`);
}
