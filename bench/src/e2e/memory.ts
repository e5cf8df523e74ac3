/**
 * Memory of idle sessions, in a fresh process so nothing else the bench did is in the numbers:
 * `process.memoryUsage()` after a full GC, before and after opening `count` sessions that hold
 * after the handshake. Kinds: `socket` (a bare node:net socket, handshake by hand: the socket's own
 * cost), `transport` and `transport+decode` (the Node transport, handshake by hand, a reader waiting
 * on its readable or on the decoder stream: where the client's cost comes from) and `client`
 * (`connectGuacamole`, with a reader waiting on `instructions` as an application's would). Prints one JSON line, then closes everything.
 *
 * Run (the e2e section does): node --expose-gc --import tsx --conditions=@guacstream/source
 *   bench/src/e2e/memory.ts '{"kind":"client","count":100,"host":"127.0.0.1","port":4822,
 *   "request":{"protocol":"vnc","parameters":{"hostname":"bench-hold"}}}'
 */
import { connectGuacamole } from "@guacstream/transport-node";
import type { SessionRequest } from "./handshake.ts";
import { bareConnect, transportConnect } from "./sessions.ts";

export interface MemoryJob {
  kind: "socket" | "transport" | "transport+decode" | "client";
  count: number;
  host: string;
  port: number;
  request: SessionRequest;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface MemoryResult {
  kind: MemoryJob["kind"];
  count: number;
  before: MemorySample;
  after: MemorySample;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function settled(): Promise<MemorySample> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc?.();
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

const job = JSON.parse(process.argv[2] ?? "") as MemoryJob;
if (gc === undefined) console.error("e2e-memory: no global.gc (run with --expose-gc)");
const to = { host: job.host, port: job.port };
const closers: (() => Promise<void>)[] = [];
// Open and warm one session first, so code loading and JIT are in `before`, not in the sessions.
const open = async (): Promise<() => Promise<void>> => {
  if (job.kind === "socket") {
    const bare = await bareConnect(to, job.request);
    return async () => {
      bare.socket.destroy();
      await bare.closed;
    };
  }
  if (job.kind !== "client") {
    const { conn, reader } = await transportConnect(job.kind, to, job.request);
    const reading = (async () => {
      while (!(await reader.read()).done) {
        // nothing arrives on a held session but `ready`
      }
    })().catch(() => {});
    return async () => {
      await reader.cancel().catch(() => {});
      await conn.close();
      await reading;
    };
  }
  const client = await connectGuacamole({ ...to, ...job.request });
  // Waiting on the next instruction, as an application's read loop would be.
  const reader = client.instructions.getReader();
  const reading = (async () => {
    while (!(await reader.read()).done) {
      // nothing arrives on a held session
    }
  })().catch(() => {});
  return async () => {
    await client.close();
    await reading;
  };
};
await (await open())();
const before = await settled();
// Batches keep the simulator's accept backlog from overflowing.
for (let at = 0; at < job.count; at += 100) {
  const batch = Math.min(100, job.count - at);
  closers.push(...(await Promise.all(Array.from({ length: batch }, open))));
}
const after = await settled();
const result: MemoryResult = { kind: job.kind, count: job.count, before, after };
process.stdout.write(`${JSON.stringify(result)}\n`);
await Promise.all(closers.map((close) => close()));
process.exit(0);
