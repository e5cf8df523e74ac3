/**
 * End-to-end throughput of `@guacstream/transport-deno` under Deno: the same sessions as the Node
 * e2e section (hand-written handshake, then read the round's byte share of the simulator's
 * looped recording, or `GUACD_SECONDS` of a real guacd), for a bare `Deno.connect` that only counts bytes (the floor), the transport's
 * readable, that piped through the frame or decoder stream, and `connectGuacamole` reading
 * `instructions` with `sync` echoed. MB/s = bytes all sessions received / median round time.
 *
 * Target: `GUACD_HOST`/`GUACD_PORT` (+ `GUACD_PROTOCOL`, `GUACD_PARAMS`, `GUACD_SECONDS`) as the
 * Node bench reads them; `GUACD_SIMULATOR=1` marks the bench's own simulator (its plans are chosen
 * by `hostname`). Without `GUACD_HOST` it starts that simulator as a Node child process.
 * Prints the table, and a last line `JSON <rows>` for the Node bench to collect.
 *
 * Run: npx deno run --config deno.json --allow-net --allow-read --allow-env --allow-run
 *   bench/src/deno/deno-e2e.ts [--quick]
 */
import { connect, connectGuacamole } from "@guacstream/transport-deno";
import { HandshakeWatcher, restBytes, type SessionRequest, selectBytes } from "../e2e/handshake.ts";
import {
  interleavedRounds,
  type Mode,
  mbPerS,
  measureRound,
  readerAfterHandshake,
  type Sample,
} from "../e2e/rounds.ts";
import { SyncEchoScanner, syncReply } from "../e2e/sync-echo.ts";

interface DenoRow {
  mode: Mode;
  concurrency: number;
  medianMs: number;
  mbPerS: number;
  instrPerS: number;
  ratio: number;
  /** This Deno process's CPU ms per MB (it holds only the clients). */
  cpuMsPerMb: number;
}

interface Limits {
  budgetBytes: number;
  sessionMs: number | undefined;
}

/** Keeps results observable so no read is optimised away. */
let sink = 0;

async function session(
  mode: Mode,
  port: number,
  hostname: string,
  request: SessionRequest,
  limits: Limits,
): Promise<{ bytes: number; instructions: number }> {
  const deadline = limits.sessionMs === undefined ? Infinity : Date.now() + limits.sessionMs;
  if (mode === "socket") {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    const buffer = new Uint8Array(65536);
    const watcher = new HandshakeWatcher();
    // Every kind answers `sync`, as guacd requires; the bare socket with a byte search.
    const scanner = new SyncEchoScanner((ts) => {
      void conn.write(syncReply(ts)).catch(() => 0);
    });
    await conn.write(selectBytes(request));
    let bytes = 0;
    let phase = 0;
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      bytes += n;
      if (phase === 2) scanner.push(buffer.subarray(0, n));
      else {
        watcher.push(buffer.subarray(0, n));
        if (phase === 0 && watcher.args !== undefined) {
          phase = 1;
          await conn.write(restBytes(watcher.args, request));
        }
        if (watcher.ready !== undefined) phase = 2;
      }
      if (bytes >= limits.budgetBytes || Date.now() > deadline) break;
    }
    conn.close();
    return { bytes, instructions: Number.NaN };
  }
  if (mode === "client") {
    const client = await connectGuacamole({ host: hostname, port, ...request });
    const reader = client.instructions.getReader();
    let instructions = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      instructions++;
      sink += value.args.length;
      if (client.connection.bytesRead >= limits.budgetBytes || Date.now() > deadline) {
        await reader.cancel();
        break;
      }
    }
    const bytes = client.connection.bytesRead;
    await client.close();
    return { bytes, instructions };
  }
  const conn = await connect({ host: hostname, port });
  const reader = await readerAfterHandshake(conn, mode, request);
  let instructions = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    instructions++;
    if (value !== undefined) sink++;
    if (conn.bytesRead >= limits.budgetBytes || Date.now() > deadline) {
      await reader.cancel();
      break;
    }
  }
  const bytes = conn.bytesRead;
  await conn.close();
  return { bytes, instructions: mode === "transport" ? Number.NaN : instructions };
}

/** The bench's simulator as a Node child process; resolves with its port once it listens. */
async function startSimulator(): Promise<{ port: number; stop(): Promise<void> }> {
  const root = new URL("../../../", import.meta.url).pathname;
  const script = new URL("../e2e/simulator-child.ts", import.meta.url).pathname;
  const child = new Deno.Command("node", {
    args: ["--import", "tsx", "--conditions=@guacstream/source", script],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error("Cannot start the simulator: it exited");
    out += value;
    const match = /port (\d+)/.exec(out);
    if (match) {
      reader.releaseLock();
      void child.stdout.cancel().catch(() => {});
      return {
        port: Number(match[1]),
        async stop() {
          await child.stdin.close();
          await child.status;
        },
      };
    }
  }
}

async function main(): Promise<void> {
  const quick = Deno.args.includes("--quick");
  let hostname = Deno.env.get("GUACD_HOST") ?? "";
  let port = Number(Deno.env.get("GUACD_PORT") ?? 4822);
  let simulator = Deno.env.get("GUACD_SIMULATOR") === "1";
  let stop = async (): Promise<void> => {};
  if (hostname === "") {
    const sim = await startSimulator();
    hostname = "127.0.0.1";
    port = sim.port;
    simulator = true;
    stop = sim.stop;
  }
  const seconds = Deno.env.get("GUACD_SECONDS");
  const request: SessionRequest = simulator
    ? { protocol: "vnc", parameters: { hostname: "desktop", port: "5900" } }
    : {
        protocol: Deno.env.get("GUACD_PROTOCOL") ?? "vnc",
        parameters: JSON.parse(Deno.env.get("GUACD_PARAMS") ?? "{}"),
      };
  const sessionMs = simulator ? undefined : Number(seconds ?? 5) * 1000;
  const levels = quick ? [1, 10] : [1, 10, 100];
  const runs = quick ? 5 : 9;
  const roundBytes = quick ? 32e6 : 128e6;
  console.log(
    `deno ${Deno.version.deno}: target ${simulator ? "guacd simulator (Node child)" : "guacd"} ` +
      `${hostname}:${port}; median of ${runs} rounds of ~${roundBytes / 1e6} MB`,
  );
  const rows: DenoRow[] = [];
  try {
    for (const concurrency of levels) {
      // The simulator loops its recording: each session reads its share of the round.
      const limits = { budgetBytes: Math.ceil(roundBytes / concurrency), sessionMs };
      const once = (mode: Mode): Promise<Sample> =>
        measureRound(concurrency, () => session(mode, port, hostname, request, limits));
      for (const { mode, median, ratio, cpuMsPerMb } of await interleavedRounds(runs, once)) {
        rows.push({
          mode,
          concurrency,
          medianMs: median.ms,
          mbPerS: mbPerS(median),
          instrPerS: median.instructions / (median.ms / 1e3),
          ratio,
          cpuMsPerMb,
        });
      }
    }
  } finally {
    await stop();
  }
  for (const r of rows) {
    console.log(
      `${String(r.concurrency).padStart(4)}  ${r.mode.padEnd(16)}  ${r.mbPerS.toFixed(1).padStart(7)} MB/s` +
        `  ${Number.isFinite(r.instrPerS) ? r.instrPerS.toFixed(0).padStart(8) : "       -"} instr/s` +
        `  ${r.ratio.toFixed(2)}x  ${r.cpuMsPerMb.toFixed(3)} CPU ms/MB`,
    );
  }
  if (sink === -1) console.log(sink);
  console.log(`JSON ${JSON.stringify(rows)}`);
}

await main();
