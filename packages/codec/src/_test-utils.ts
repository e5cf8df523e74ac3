// Test helpers shared by the codec's tests: the recorded corpus, chunked feeding, and the real
// guacd the live tests run against.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CORPUS_ENV, corpusMayBeMissing, corpusPath } from "@guacstream/guacd-sim";
import { socketToDuplex } from "@guacstream/guacd-sim/node";
import { sleepReal } from "@guacstream/test-support";
import {
  type Instruction,
  InstructionDecoder,
  type InstructionDecoderOptions,
  InstructionFramer,
  type InstructionFramerOptions,
} from "./index.ts";
import { GuacamoleClient } from "./session/client.ts";
import type { GuacamoleClientOptions } from "./session/client-options.ts";
import type { HandshakeResult } from "./session/handshake.ts";

/** The recorded corpus, as the one resolver shared by every package's tests finds it. */
export const CORPUS_DIR: string = corpusPath();

/**
 * Whether the corpus is here. Away from CI a missing corpus skips its tests with a warning; in CI
 * it throws, so the test file fails to load and the run fails loudly.
 */
export function corpusAvailable(): boolean {
  if (existsSync(join(CORPUS_DIR, "README.md"))) return true;
  const message = `Cannot find the corpus at ${CORPUS_DIR} (set ${CORPUS_ENV})`;
  if (!corpusMayBeMissing()) throw new Error(`${message}; CI runs every corpus test`);
  if (!warned) console.warn(`${message}: skipping the tests that need it`);
  warned = true;
  return false;
}
let warned = false;

export function readCorpus(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CORPUS_DIR, name)));
}

/** Every `.guac` file in the corpus, as paths relative to it. */
export function corpusFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(CORPUS_DIR, dir), { withFileTypes: true })) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".guac")) files.push(path);
    }
  };
  walk("");
  return files.sort();
}

/** Splits bytes at the given cut points (any numbers; taken modulo the length, sorted). */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  if (bytes.length === 0) return [bytes];
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Splits bytes into chunks of `size` bytes. */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

export function decodeChunks(
  chunks: Iterable<Uint8Array>,
  options?: InstructionDecoderOptions,
): Instruction[] {
  const out: Instruction[] = [];
  const decoder = new InstructionDecoder((instruction) => out.push(instruction), options);
  for (const chunk of chunks) decoder.push(chunk);
  decoder.finish();
  return out;
}

export function frameChunks(
  chunks: Iterable<Uint8Array>,
  options?: InstructionFramerOptions,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  const framer = new InstructionFramer(
    (bytes, start, end) => out.push(bytes.slice(start, end)),
    options,
  );
  for (const chunk of chunks) framer.push(chunk);
  framer.finish();
  return out;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

export { concatBytes as concat } from "./wire/_bytes.ts";

export async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

/** A ReadableStream that yields the given chunks. */
export function streamOf<T>(chunks: readonly T[]): ReadableStream<T> {
  let i = 0;
  return new ReadableStream<T>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}

/** Byte equality that stays fast on megabytes (vitest's deep equality walks each index). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

const gc: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/**
 * Collects garbage for real: after the current job (a `WeakRef` target stays alive until then),
 * a few times over. Returns the heap and array buffer bytes still in use.
 */
export async function collectGarbage(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** The real guacd of the live tests: `GUACD_HOST` (unset: they are skipped) and `GUACD_PORT`. */
export const LIVE_GUACD: { host: string; port: number; onThisMachine: boolean } | undefined =
  process.env.GUACD_HOST === undefined
    ? undefined
    : {
        host: process.env.GUACD_HOST,
        port: Number(process.env.GUACD_PORT ?? 4822),
        // guacd on loopback: its targets are this machine, so what they write is on this disk.
        onThisMachine: ["127.0.0.1", "localhost", "::1"].includes(process.env.GUACD_HOST),
      };

/** A live target's connection parameters: the JSON in the first of `names` set in the env. */
export function liveParams(...names: string[]): Record<string, string> | undefined {
  for (const name of names) {
    const json = process.env[name];
    if (json !== undefined) return JSON.parse(json) as Record<string, string>;
  }
  return undefined;
}

/** The SSH target: `GUACD_SSH_PARAMS`, or `GUACD_PARAMS` when `GUACD_PROTOCOL` is ssh. */
export const LIVE_SSH_PARAMS: Record<string, string> | undefined = liveParams(
  "GUACD_SSH_PARAMS",
  ...(process.env.GUACD_PROTOCOL === "ssh" ? ["GUACD_PARAMS"] : []),
);

/**
 * A session with the live guacd, read all along (so `sync` is answered, as guacd requires);
 * `onInstruction` sees each instruction read.
 */
export async function openLive(
  protocol: string,
  parameters: Record<string, string>,
  options: GuacamoleClientOptions & { onRead?: (item: Instruction) => void } = {},
): Promise<{ client: GuacamoleClient; result: HandshakeResult }> {
  const guacd = LIVE_GUACD!;
  const socket = createConnection({ host: guacd.host, port: guacd.port });
  await new Promise<void>((resolve, reject) =>
    socket.once("connect", resolve).once("error", reject),
  );
  const { onRead, ...clientOptions } = options;
  const client = new GuacamoleClient(socketToDuplex(socket), clientOptions);
  const result = await client.handshake({ protocol, parameters, width: 1024, height: 768 });
  void (async () => {
    for (let item = await client.readInstruction(); item; item = await client.readInstruction()) {
      onRead?.(item);
    }
  })().catch(() => {});
  return { client, result };
}

/** An SSH session with SFTP on, with the live SSH target. */
export async function openLiveSsh(
  options: Parameters<typeof openLive>[2] = {},
): Promise<GuacamoleClient> {
  return (await openLive("ssh", { "enable-sftp": "true", ...LIVE_SSH_PARAMS }, options)).client;
}

/**
 * Tries `attempt` until it gives a value, for up to `ms`: a live guacd and its targets are other
 * processes, so the wait between tries is real time (tallied by `sleepReal`).
 */
export async function pollLive<T>(
  ms: number,
  attempt: () => Promise<T | undefined> | T | undefined,
  everyMs = 250,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error(`nothing within ${ms} ms`);
    await sleepReal(everyMs);
  }
}
