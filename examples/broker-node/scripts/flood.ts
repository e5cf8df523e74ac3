// Measures the Node example broker under floods: while one attacker floods at full speed, how late
// is the broker's event loop, how much does its memory grow, how much of an honest session's
// throughput is left, and is the attacker cut off?
//
//   npx tsx --conditions=@guacstream/source examples/broker-node/scripts/flood.ts [seconds]
//
// Method: the broker runs in its own process (IPC for its event-loop delay histogram, 10 ms
// resolution, and its RSS sampled every 20 ms, both reset at each phase). The simulator replays
// the VNC desktop forever behind a counting proxy, in a process of its own. The honest
// session connects from 127.0.0.1; each attack phase from an address of its own (127.0.0.2 on),
// so the per-client caps act on the attacker alone, as they would on the Internet. Phases of
// `seconds` each (default 10): `alone` (one honest session, every sync echoed, in a process of its
// own so the attackers' work here never slows its reading), then with it:
// `flood-size` (1 MiB messages of `3.nop;`, reconnecting when closed), `flood-rate` (messages of
// 200 `3.nop;`, under the instruction cap, so the rate cap must act), `ping-echo` (tunnels that
// read nothing and send `0.,4.ping,8000.…;` as fast as their socket takes them), `ws-ping`
// (WebSocket pings from tunnels that read nothing), `fragments` (20 connections at once with no
// valid token, each streaming 1-byte text fragments), `tunnels` (one client opening and holding
// tunnels as fast as it can). Honest throughput = bytes received in the phase / its duration;
// the ratio is against `alone`. RSS growth is the phase's peak over the RSS after `alone`.
// Figures are printed and written to .test-results/examples/flood.json. One run; run it several
// times for a spread (the machine is shared and noisy).
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import WebSocket from "ws";
import { artifacts, root } from "../test/_harness.ts";

/** The figures of one run. */
export interface FloodFigures {
  readonly seconds: number;
  readonly phases: readonly PhaseFigures[];
}

/** One phase of a run. */
export interface PhaseFigures {
  readonly phase: Phase;
  readonly honestMBps: number;
  readonly honestRatio: number;
  readonly honestOpen: boolean;
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly floodTunnels: number;
  readonly floodCloseCodes: Readonly<Record<string, number>>;
  /** Milliseconds from a flooding tunnel's first message to its close, the median. */
  readonly floodCloseMs: number | undefined;
  readonly brokerRssMB: number;
  /** The broker's RSS peak in the phase, and its growth over the RSS after `alone`. */
  readonly brokerRssPeakMB: number;
  readonly brokerRssGrowthMB: number;
  /** Attack connections the broker refused or cut (any way: close, HTTP status, reset). */
  readonly attackRefused: number;
}

/** The phases, in the order they run. */
export const PHASES = [
  "alone",
  "flood-size",
  "flood-rate",
  "ping-echo",
  "ws-ping",
  "fragments",
  "tunnels",
] as const;
export type Phase = (typeof PHASES)[number];

type Report = { p50: number; p99: number; max: number; rss: number; rssPeak: number };

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

async function token(url: string, profile: "vnc" | "ssh"): Promise<string> {
  const response = await fetch(`${url}demo/token?profile=${profile}`, {
    method: "POST",
    headers: { origin: new URL(url).origin },
  });
  return ((await response.json()) as { token: string }).token;
}

export type AttackResult = { tunnels: number; codes: Record<string, number>; closeMs: number[] };

function attackSocket(url: string, origin: string, tokenText: string, from: string): WebSocket {
  return new WebSocket(`${url.replace("http", "ws")}tunnel?token=${tokenText}`, "guacamole", {
    origin,
    localAddress: from,
  });
}

/**
 * Tunnels that read nothing (their socket paused) and send with `send` until `until`,
 * reconnecting each time the broker cuts one.
 */
async function unread(
  mint: () => Promise<string>,
  url: string,
  origin: string,
  from: string,
  until: number,
  send: (ws: WebSocket) => void,
): Promise<AttackResult> {
  const codes: Record<string, number> = {};
  let tunnels = 0;
  while (performance.now() < until) {
    const ws = attackSocket(url, origin, await mint(), from);
    tunnels++;
    const code = await new Promise<number>((resolve) => {
      ws.on("error", () => {});
      ws.on("close", (c) => resolve(c));
      ws.once("unexpected-response", (_q, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      ws.once("open", () => {
        (ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
        const pump = (): void => {
          // The phase may end while our own buffer is full and the broker reads nothing.
          if (performance.now() >= until) return void ws.terminate();
          while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 4 << 20) {
            send(ws);
            if (performance.now() >= until) return void ws.terminate();
          }
          if (ws.readyState === WebSocket.OPEN) setTimeout(pump, 1);
        };
        pump();
      });
    });
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return { tunnels, codes, closeMs: [] };
}

/** 20 connections at once with no valid token, each streaming 1-byte text fragments. */
async function fragments(url: string, from: string, until: number): Promise<AttackResult> {
  const { hostname, port } = new URL(url);
  const codes: Record<string, number> = {};
  let tunnels = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      tunnels++;
      const socket = tcpConnect({ host: hostname, port: Number(port), localAddress: from });
      // 64 KiB of 1-byte fragments per write: FIN=0, text then continuation, masked (zero mask).
      const chunk = Buffer.alloc(7 * 9362);
      for (let i = 0; i < 9362; i++)
        chunk.set([i === 0 ? 0x01 : 0x00, 0x81, 0, 0, 0, 0, 0x78], i * 7);
      let status = "";
      socket.on("error", () => {});
      socket.once("connect", () =>
        socket.write(
          `GET /tunnel?token=none HTTP/1.1\r\nHost: ${hostname}:${port}\r\nOrigin: http://${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: guacamole\r\n\r\n`,
        ),
      );
      socket.once("data", (d: Buffer) => {
        status = d.toString("latin1").split(" ")[1] ?? "";
        const deadline = setTimeout(() => socket.destroy(), Math.max(0, until - performance.now()));
        socket.once("close", () => clearTimeout(deadline));
        const pump = (): void => {
          while (!socket.destroyed && performance.now() < until && socket.write(chunk)) {}
          if (socket.destroyed || performance.now() >= until) socket.destroy();
          else socket.once("drain", pump);
        };
        pump();
      });
      socket.once("close", () => {
        codes[status] = (codes[status] ?? 0) + 1;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  return { tunnels, codes, closeMs: [] };
}

/** One client opening tunnels as fast as it can and holding every one it gets. */
async function tunnels(
  mint: () => Promise<string>,
  url: string,
  origin: string,
  from: string,
  until: number,
): Promise<AttackResult> {
  const codes: Record<string, number> = {};
  const held: WebSocket[] = [];
  let count = 0;
  while (performance.now() < until) {
    const batch = await Promise.all(
      Array.from({ length: 10 }, async () => {
        count++;
        const ws = attackSocket(url, origin, await mint(), from);
        ws.on("error", () => {});
        return new Promise<void>((resolve) => {
          ws.once("close", (c) => {
            if (held.includes(ws)) return; // one of ours, ended when the phase did
            codes[c] = (codes[c] ?? 0) + 1;
            resolve();
          });
          ws.once("message", () => {
            held.push(ws);
            codes.held = (codes.held ?? 0) + 1;
            resolve();
          });
        });
      }),
    );
    void batch;
  }
  for (const ws of held) ws.terminate();
  return { tunnels: count, codes, closeMs: [] };
}

/** Floods until `until`, reconnecting each time the broker closes the tunnel. */
async function flood(
  mint: () => Promise<string>,
  url: string,
  origin: string,
  from: string,
  message: string,
  until: number,
): Promise<AttackResult> {
  const codes: Record<string, number> = {};
  const closeMs: number[] = [];
  let tunnels = 0;
  while (performance.now() < until) {
    const ws = attackSocket(url, origin, await mint(), from);
    tunnels++;
    let first: number | undefined;
    const code = await new Promise<number>((resolve) => {
      ws.on("error", () => {});
      ws.on("close", (c) => resolve(c));
      ws.once("message", () => {
        const pump = (): void => {
          if (performance.now() >= until) return void ws.terminate();
          while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 4 << 20) {
            first ??= performance.now();
            ws.send(message);
            if (performance.now() >= until) {
              ws.close();
              return;
            }
          }
          if (ws.readyState === WebSocket.OPEN) setTimeout(pump, 1);
        };
        pump();
      });
    });
    if (first !== undefined) closeMs.push(performance.now() - first);
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return { tunnels, codes, closeMs };
}

/** One attack: runs until `until` from the address `from`, and says how it ended. */
export type Attack = (until: number, from: string) => Promise<AttackResult>;

/** The attack of each phase against the broker at `url`, with tokens from `mint`. */
export function attacksOn(
  url: string,
  mint: () => Promise<string>,
): Record<Phase, Attack | undefined> {
  const origin = new URL(url).origin;
  const ping8000 = `0.,4.ping,8000.${"7".repeat(8000)};`;
  return {
    alone: undefined,
    "flood-size": (until, from) =>
      flood(mint, url, origin, from, "3.nop;".repeat(Math.floor((1 << 20) / 6)), until),
    "flood-rate": (until, from) => flood(mint, url, origin, from, "3.nop;".repeat(200), until),
    "ping-echo": (until, from) => unread(mint, url, origin, from, until, (ws) => ws.send(ping8000)),
    "ws-ping": (until, from) =>
      unread(mint, url, origin, from, until, (ws) => ws.ping(Buffer.alloc(125))),
    fragments: (until, from) => fragments(url, from, until),
    tunnels: (until, from) => tunnels(mint, url, origin, from, until),
  };
}

/** Runs the phases and returns the figures. */
export async function measureFlood(
  seconds: number,
  only?: readonly Phase[],
): Promise<FloodFigures> {
  const guacdProcess = fork(join(root, "examples/broker-node/scripts/_guacd.ts"), [], {
    cwd: root,
    execArgv: ["--conditions=@guacstream/source", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const guacd = await new Promise<{ host: string; port: number }>((resolve) =>
    guacdProcess.once("message", (m) => resolve(m as { host: string; port: number })),
  );
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
    const honest = fork(
      join(root, "examples/broker-node/scripts/_honest.ts"),
      [url, await token(url, "vnc")],
      {
        cwd: root,
        execArgv: ["--conditions=@guacstream/source", "--import", "tsx"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    const count = () => ask<{ received: number; open: boolean }>(honest, "count", "count");
    await new Promise((resolve) => setTimeout(resolve, 5000)); // warm-up
    const phases: PhaseFigures[] = [];
    let aloneMBps = 0;
    let idleRss = 0;
    const attacks = attacksOn(url, () => token(url, "ssh"));
    for (const [index, phase] of PHASES.entries()) {
      if (only !== undefined && phase !== "alone" && !only.includes(phase)) continue;
      await ask(child, "reset", "reset");
      const start = performance.now();
      const before = (await count()).received;
      const until = start + seconds * 1000;
      const attack = attacks[phase];
      const result =
        attack === undefined
          ? await new Promise<undefined>((resolve) =>
              setTimeout(() => resolve(undefined), seconds * 1000),
            )
          : await attack(until, `127.0.0.${index + 1}`);
      const elapsed = (performance.now() - start) / 1000;
      const report = await ask<Report>(child, "report", "report");
      const after = await count();
      const mbps = (after.received - before) / 1e6 / elapsed;
      if (phase === "alone") {
        aloneMBps = mbps;
        idleRss = report.rss;
      }
      const sorted = [...(result?.closeMs ?? [])].sort((a, b) => a - b);
      const codes = result?.codes ?? {};
      phases.push({
        phase,
        honestMBps: mbps,
        honestRatio: aloneMBps === 0 ? 0 : mbps / aloneMBps,
        honestOpen: after.open,
        eventLoopDelayMs: { p50: report.p50, p99: report.p99, max: report.max },
        floodTunnels: result?.tunnels ?? 0,
        floodCloseCodes: codes,
        floodCloseMs: sorted.length === 0 ? undefined : sorted[sorted.length >> 1],
        brokerRssMB: report.rss / 1e6,
        brokerRssPeakMB: report.rssPeak / 2 ** 20,
        brokerRssGrowthMB: Math.max(0, report.rssPeak - idleRss) / 2 ** 20,
        attackRefused: Object.entries(codes)
          .filter(([code]) => code !== "held" && code !== "1005")
          .reduce((n, [, k]) => n + k, 0),
      });
      // Let the broker settle (closes, GC) before the next phase's baseline.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    honest.send("stop");
    return { seconds, phases };
  } finally {
    child.send("stop");
    await new Promise((resolve) => child.once("exit", resolve));
    guacdProcess.send("stop");
    await new Promise((resolve) => guacdProcess.once("exit", resolve));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.slice(3) as Phase[];
  const figures = await measureFlood(
    Number(process.argv[2] ?? 10),
    only.length === 0 ? undefined : only,
  );
  for (const p of figures.phases) {
    console.log(
      `${p.phase.padEnd(10)} honest ${p.honestMBps.toFixed(1)} MB/s (${(p.honestRatio * 100).toFixed(0)}% of alone, open: ${p.honestOpen})` +
        `  event-loop delay p50 ${p.eventLoopDelayMs.p50.toFixed(1)} ms p99 ${p.eventLoopDelayMs.p99.toFixed(1)} ms max ${p.eventLoopDelayMs.max.toFixed(1)} ms` +
        `  flood tunnels ${p.floodTunnels} closed ${JSON.stringify(p.floodCloseCodes)} after ${p.floodCloseMs?.toFixed(0) ?? "-"} ms (median)` +
        `  broker RSS peak ${p.brokerRssPeakMB.toFixed(0)} MiB (+${p.brokerRssGrowthMB.toFixed(0)} over idle)`,
    );
  }
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, "flood.json"), `${JSON.stringify(figures, null, 2)}\n`);
}
