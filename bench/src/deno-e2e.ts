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
 *   bench/src/deno-e2e.ts [--quick]
 */
import { InstructionDecoderStream, InstructionFrameStream } from "@guacstream/codec";
import { connect, connectGuacamole } from "@guacstream/transport-deno";
import { HandshakeWatcher, restBytes, type SessionRequest, selectBytes } from "./e2e-handshake.ts";

type Mode = "socket" | "transport" | "transport+frame" | "transport+decode" | "client";
const MODES: readonly Mode[] = [
  "socket",
  "transport",
  "transport+frame",
  "transport+decode",
  "client",
];

interface DenoRow {
  mode: Mode;
  concurrency: number;
  medianMs: number;
  mbPerS: number;
  instrPerS: number;
  ratio: number;
}

interface Sample {
  ms: number;
  bytes: number;
  instructions: number;
}

const mbPerS = (s: Sample): number => s.bytes / 1e6 / (s.ms / 1e3);

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
    await conn.write(selectBytes(request));
    let bytes = 0;
    let phase = 0;
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      bytes += n;
      if (phase < 2) {
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
  const raw = conn.readable.getReader();
  const writer = conn.writable.getWriter();
  await writer.write(selectBytes(request));
  const watcher = new HandshakeWatcher();
  while (watcher.args === undefined) {
    const { done, value } = await raw.read();
    if (done) throw new Error("Cannot complete the handshake: guacd closed");
    watcher.push(value);
  }
  await writer.write(restBytes(watcher.args, request));
  writer.releaseLock();
  raw.releaseLock();
  let reader: ReadableStreamDefaultReader<unknown>;
  if (mode === "transport") reader = conn.readable.getReader();
  else if (mode === "transport+frame") {
    reader = conn.readable.pipeThrough(new InstructionFrameStream()).getReader();
  } else reader = conn.readable.pipeThrough(new InstructionDecoderStream()).getReader();
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
  const root = new URL("../../", import.meta.url).pathname;
  const script = new URL("./sim-child.ts", import.meta.url).pathname;
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
      const once = async (mode: Mode): Promise<Sample> => {
        const start = performance.now();
        const counts = await Promise.all(
          Array.from({ length: concurrency }, () => session(mode, port, hostname, request, limits)),
        );
        const ms = performance.now() - start;
        let bytes = 0;
        let instructions = 0;
        for (const c of counts) {
          bytes += c.bytes;
          instructions += c.instructions;
        }
        return { ms, bytes, instructions };
      };
      for (const mode of MODES) await once(mode); // warm-up
      // Interleaved rounds in a rotating order; ratio = median of per-round ratios to the socket.
      const samples = new Map<Mode, Sample[]>(MODES.map((m) => [m, []]));
      for (let r = 0; r < runs; r++) {
        for (let k = 0; k < MODES.length; k++) {
          const mode = MODES[(r + k) % MODES.length]!;
          samples.get(mode)!.push(await once(mode));
        }
      }
      const floor = samples.get("socket")!;
      for (const mode of MODES) {
        const own = samples.get(mode)!;
        const ratios = own.map((s, r) => mbPerS(s) / mbPerS(floor[r]!)).sort((a, b) => a - b);
        const m = [...own].sort((a, b) => a.ms - b.ms)[own.length >> 1]!;
        rows.push({
          mode,
          concurrency,
          medianMs: m.ms,
          mbPerS: mbPerS(m),
          instrPerS: m.instructions / (m.ms / 1e3),
          ratio: ratios[ratios.length >> 1]!,
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
        `  ${r.ratio.toFixed(2)}x`,
    );
  }
  if (sink === -1) console.log(sink);
  console.log(`JSON ${JSON.stringify(rows)}`);
}

await main();
