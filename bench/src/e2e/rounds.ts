/**
 * What the Node and the Deno end-to-end benches share, runtime-free: the client kinds, the
 * hand-written handshake before a transport's raw reader, and the interleaved rounds with their
 * statistics. Method: every round runs each kind once (in a rotating order), and a kind's ratio is
 * the median of its per-round ratios to the bare socket's, so other load on the machine weighs on
 * every kind alike.
 */
import { InstructionDecoderStream, InstructionFrameStream } from "@guacstream/codec";
import { HandshakeWatcher, restBytes, type SessionRequest, selectBytes } from "./handshake.ts";
import { SyncEchoScanner, syncReply } from "./sync-echo.ts";

export type Mode = "socket" | "transport" | "transport+frame" | "transport+decode" | "client";
export const MODES: readonly Mode[] = [
  "socket",
  "transport",
  "transport+frame",
  "transport+decode",
  "client",
];

/** What sessions received in one round, how long the round took and the CPU it used. */
export interface Sample {
  ms: number;
  bytes: number;
  instructions: number;
  /** This process's user + system CPU time over the round; NaN where the runtime cannot say. */
  cpuMs: number;
}

export const mbPerS = (s: Sample): number => s.bytes / 1e6 / (s.ms / 1e3);
/** CPU milliseconds this process spent per MB received (the guacd side runs elsewhere). */
export const cpuMsPerMb = (s: Sample): number => s.cpuMs / (s.bytes / 1e6);

type CpuUsage = { user: number; system: number };
const runtimeProcess = (globalThis as { process?: { cpuUsage?: () => CpuUsage } }).process;

/** This process's CPU time so far in ms (Node, and Deno's `process`); NaN where there is none. */
function cpuNow(): number {
  const used = runtimeProcess?.cpuUsage?.();
  return used === undefined ? Number.NaN : (used.user + used.system) / 1000;
}

export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[sorted.length >> 1]!;
}

/** What the transport kinds read from: a reader that also answers every `sync` it passes. */
export interface SessionReader {
  read(): Promise<ReadableStreamReadResult<unknown>>;
  cancel(): Promise<void>;
}

const SYNC_PREFIX = new TextEncoder().encode("4.sync,");

/** The timestamp of a framed `sync` instruction (`4.sync,<n>.<ts>…;`), or undefined. */
function frameSyncTimestamp(frame: Uint8Array): string | undefined {
  for (let k = 0; k < SYNC_PREFIX.length; k++) if (frame[k] !== SYNC_PREFIX[k]) return undefined;
  let echoed: string | undefined;
  new SyncEchoScanner((ts) => {
    echoed = ts;
  }).push(Uint8Array.of(0x3b, ...frame.subarray(0, 40)));
  return echoed;
}

/**
 * Performs the handshake by hand over a transport's raw streams, then gives the reader the kind
 * measures: the raw bytes, or those piped through the frame or the decoder stream. Every kind
 * answers `sync` as guacd requires, with the least work its layer allows: the raw bytes through
 * `SyncEchoScanner`, a frame by its first bytes, a decoded instruction by its opcode.
 */
export async function readerAfterHandshake(
  conn: {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
  },
  mode: "transport" | "transport+frame" | "transport+decode",
  request: SessionRequest,
): Promise<SessionReader> {
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
  raw.releaseLock();
  const echo = (ts: string): void => {
    writer.write(syncReply(ts)).catch(() => {});
  };
  const wrap = <T>(
    reader: ReadableStreamDefaultReader<T>,
    see: (value: T) => void,
  ): SessionReader => ({
    async read() {
      const result = await reader.read();
      if (!result.done) see(result.value);
      return result;
    },
    cancel: () => reader.cancel().catch(() => {}),
  });
  if (mode === "transport") {
    const scanner = new SyncEchoScanner(echo);
    return wrap(conn.readable.getReader(), (chunk) => scanner.push(chunk));
  }
  if (mode === "transport+frame") {
    return wrap(conn.readable.pipeThrough(new InstructionFrameStream()).getReader(), (frame) => {
      const ts = frameSyncTimestamp(frame);
      if (ts !== undefined) echo(ts);
    });
  }
  return wrap(conn.readable.pipeThrough(new InstructionDecoderStream()).getReader(), (i) => {
    if (i.opcode === "sync") echo(i.args[0] ?? "0");
  });
}

/**
 * Runs `concurrency` sessions at once and sums what they received. Waits for every session even
 * when one fails (so none is left open), then rethrows the first failure.
 */
export async function measureRound(
  concurrency: number,
  session: () => Promise<{ bytes: number; instructions: number }>,
): Promise<Sample> {
  const start = performance.now();
  const cpuStart = cpuNow();
  const settled = await Promise.allSettled(Array.from({ length: concurrency }, session));
  const ms = performance.now() - start;
  const cpuMs = cpuNow() - cpuStart;
  const failed = settled.find((s) => s.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  const counts = settled.map(
    (s) => (s as PromiseFulfilledResult<{ bytes: number; instructions: number }>).value,
  );
  let bytes = 0;
  let instructions = 0;
  for (const c of counts) {
    bytes += c.bytes;
    instructions += c.instructions;
  }
  return { ms, bytes, instructions, cpuMs };
}

/** One statistic per kind from interleaved rounds. */
export interface RoundStats {
  readonly mode: Mode;
  /** The round with the median time. */
  readonly median: Sample;
  /** The median of the per-round ratios of MB/s to the bare socket's. */
  readonly ratio: number;
  /** The median over rounds of CPU ms per MB (NaN where the runtime cannot say). */
  readonly cpuMsPerMb: number;
}

/** A warm-up round of every kind, then `rounds` interleaved rounds; the statistics per kind. */
export async function interleavedRounds(
  rounds: number,
  once: (mode: Mode) => Promise<Sample>,
): Promise<RoundStats[]> {
  for (const mode of MODES) await once(mode);
  const samples = new Map<Mode, Sample[]>(MODES.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < MODES.length; k++) {
      const mode = MODES[(r + k) % MODES.length]!;
      samples.get(mode)!.push(await once(mode));
    }
  }
  const floor = samples.get("socket")!;
  return MODES.map((mode) => {
    const own = samples.get(mode)!;
    const ratios = own.map((s, r) => mbPerS(s) / mbPerS(floor[r]!));
    return {
      mode,
      median: medianBy(own, (s) => s.ms),
      ratio: medianBy(ratios, (x) => x),
      cpuMsPerMb: medianBy(own.map(cpuMsPerMb), (x) => x),
    };
  });
}
