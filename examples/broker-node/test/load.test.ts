// Load: 200 concurrent browser-like WebSocket sessions (the `ws` client: subprotocol `guacamole`,
// a token each, every `sync` echoed, a ping every 500 ms like guacamole-common-js) through the
// Node broker, run as users run it (one `node --import tsx` process, so its memory is its own),
// to the simulator replaying the 13.4 MB VNC recording at full speed and then holding the session.
//
// Method: the broker's RSS (VmRSS from /proc) is read before any session (baseline), every 100 ms
// while the sessions stream (peak), and once all 200 have received the whole recording and sit
// idle (steady). Memory per session = (RSS − baseline) / 200. Throughput = bytes delivered to
// all clients / time from the first upgrade to the last session complete. Results are printed
// and written to .test-results/examples/load.json.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultCorpusDir, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { expect, it } from "vitest";
import WebSocket from "ws";
import { artifacts, changed, pollFor, root, waitFor } from "./_harness.ts";
import { echoSyncs } from "./_sessions.ts";

const SESSIONS = Number(process.env.LOAD_SESSIONS ?? 200);

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /VmRSS:\s+(\d+) kB/.exec(status);
  return kib === null ? 0 : Number(kib[1]) * 1024;
}

it(`${SESSIONS} concurrent sessions through the Node broker`, async () => {
  const recording = await readFile(join(defaultCorpusDir(), "vnc-desktop.s2c.guac"));
  const ready = recording.indexOf("5.ready,");
  // What each browser must receive: everything after `ready`, less the final `disconnect`
  // (the session is held open instead).
  const expected = recording.length - (recording.indexOf(";", ready) + 1) - "10.disconnect;".length;
  const sim = await startGuacdSimulator({
    resolveSession: () => ({ recording: "vnc-desktop", end: "hold" }),
    syncTimeoutMs: 120_000,
  });
  const child = spawn(
    process.execPath,
    ["--conditions=@guacstream/source", "--import", "tsx", "examples/broker-node/src/main.ts"],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: "0",
        METRICS_PORT: "0",
        DEMO_TOKENS: "1",
        // One test client holds every session: the per-client caps are tested on their own.
        MAX_TUNNELS_PER_CLIENT: "10000",
        NEW_TUNNELS_PER_MINUTE: "1000000",
        MAX_CONNECTIONS_PER_SECOND: "100000",
        GUACD_HOST: sim.host,
        GUACD_PORT: String(sim.port),
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString();
    changed();
  });
  child.stderr.on("data", (d: Buffer) => {
    output += d.toString();
    changed();
  });
  const clients: WebSocket[] = [];
  const timers: ReturnType<typeof setInterval>[] = [];
  try {
    const url = (
      await waitFor(() => /Open (http:\/\/\S+)/.exec(output), "the broker's URL", 60_000)
    )[1]!;
    const pid = child.pid!;
    const tokens = await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const response = await fetch(`${url}demo/token?profile=vnc`, {
          method: "POST",
          headers: { origin: new URL(url).origin },
        });
        return ((await response.json()) as { token: string }).token;
      }),
    );
    // The broker has started and answered: what it holds before any tunnel.
    const baseline = rssBytes(pid);

    const received = new Array<number>(SESSIONS).fill(0);
    const pongs = new Array<number>(SESSIONS).fill(0);
    const closes: number[] = [];
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 100);
    timers.push(sampler);
    const started = performance.now();
    for (let k = 0; k < SESSIONS; k++) {
      const ws = new WebSocket(
        `${url.replace("http", "ws")}tunnel?token=${encodeURIComponent(tokens[k]!)}&width=1280&height=800`,
        "guacamole",
        { origin: new URL(url).origin }, // as the page's browser sends it
      );
      let first = true;
      ws.on("message", (data: Buffer) => {
        if (first) {
          first = false; // the tunnel UUID
          return;
        }
        if (data.length < 40 && data.toString().startsWith("0.,4.ping,")) {
          pongs[k]!++;
          return;
        }
        received[k]! += data.length;
        echoSyncs(ws, data);
        changed();
      });
      ws.on("open", () => {
        timers.push(setInterval(() => ws.send(`0.,4.ping,13.${Date.now()};`), 500));
      });
      ws.on("close", (code) => closes.push(code));
      clients.push(ws);
    }
    await waitFor(
      () => received.every((n) => n >= expected),
      `all ${SESSIONS} sessions to receive the recording`,
      240_000,
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    // Idle: RSS falls as the collector returns the streaming's garbage; a leak would stay.
    const steadyBound = baseline + SESSIONS * 4096 * 1024;
    const steady = await pollFor(
      () => {
        const rss = rssBytes(pid);
        return rss < steadyBound ? rss : undefined;
      },
      "RSS to settle",
      3000,
      250,
    ).catch(() => rssBytes(pid));
    const total = received.reduce((a, b) => a + b, 0);
    const results = {
      sessions: SESSIONS,
      recordingBytes: expected,
      totalBytes: total,
      seconds: Number(seconds.toFixed(2)),
      throughputMBps: Number((total / seconds / 1e6).toFixed(1)),
      baselineRssMB: Number((baseline / 1e6).toFixed(1)),
      peakRssMB: Number((peak / 1e6).toFixed(1)),
      steadyRssMB: Number((steady / 1e6).toFixed(1)),
      peakPerSessionKB: Math.round((peak - baseline) / SESSIONS / 1024),
      steadyPerSessionKB: Math.round((steady - baseline) / SESSIONS / 1024),
      pingsEchoed: pongs.reduce((a, b) => a + b, 0),
    };
    console.log(`load: ${JSON.stringify(results)}`);
    writeFileSync(join(artifacts, "load.json"), `${JSON.stringify(results, null, 2)}\n`);

    // The whole recording, plus the simulator's idle `sync`s since.
    expect(received.every((n) => n >= expected)).toBe(true);
    expect(closes).toEqual([]);
    expect(pongs.every((n) => n > 0)).toBe(true);
    // Back-pressure keeps each session's buffers bounded (WebSocket high-water mark 1 MiB + one
    // guacd read), so memory cannot grow with the recording's 13.4 MB. RSS includes whatever the
    // garbage collector has not returned yet, hence the margin.
    expect(results.peakPerSessionKB).toBeLessThan(6144);
    expect(results.steadyPerSessionKB).toBeLessThan(4096);
    expect(sim.simulator.sessions.length).toBe(SESSIONS);
  } finally {
    for (const timer of timers) clearInterval(timer);
    for (const ws of clients) ws.terminate();
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
    await sim.close();
  }
}, 300_000);
