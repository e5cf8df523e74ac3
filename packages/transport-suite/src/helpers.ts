// Helpers every suite file shares: one way to run a test against a server that is always closed,
// one way to expect a typed rejection, and deterministic data.
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import type { Instruction } from "@guacstream/codec";
import type { GuacamoleClient } from "@guacstream/codec/client";
import type { ServerConnection, SuiteSimulator } from "./harness.ts";

export const KiB = 1024;
export const MiB: number = 1024 * KiB;

/**
 * Yields to the event loop (sockets' I/O runs in between) until `done()` holds or `maxTurns` turns
 * have passed; whether it held. Waits on I/O that has no event to await, without a timer.
 */
export async function untilTurns(done: () => boolean, maxTurns = 1000): Promise<boolean> {
  for (let turn = 0; turn < maxTurns && !done(); turn++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return done();
}

/**
 * Whether `promise` settles soon: within a few hundred turns of the event loop, or else within
 * 100 ms of real time (a slow machine), so a write that stays pending is known to be stuck.
 */
export async function settlesSoon(
  promise: Promise<unknown>,
  sleepReal: (ms: number) => Promise<void>,
): Promise<boolean> {
  let settled = false;
  const settle = (): void => {
    settled = true;
  };
  promise.then(settle, settle);
  if (await untilTurns(() => settled, 300)) return true;
  await sleepReal(100);
  return settled;
}

/** Deterministic bytes (xorshift32), so a failure replays. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** FNV-1a over a stream of chunks. */
export class Checksum {
  #hash = 0x811c9dc5;
  length = 0;
  update(bytes: Uint8Array): void {
    let h = this.#hash;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    this.#hash = h;
    this.length += bytes.length;
  }
  get value(): number {
    return this.#hash >>> 0;
  }
}

export async function readAll(readable: ReadableStream<Uint8Array>, sum: Checksum): Promise<void> {
  const reader = readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    sum.update(value);
  }
}

/**
 * Reads `connection` 16 KiB at a time, letting the socket refill the readable's queue (up to
 * `highWaterMark`) between reads, `rounds` times. `held(consumed)` is what the process holds beyond
 * what was read; returns its maximum and the bytes read.
 */
export async function readSlowly(
  connection: { readonly readable: ReadableStream<Uint8Array>; readonly bytesRead: number },
  held: (consumed: number) => number,
  { rounds = 60, highWaterMark = 64 * KiB }: { rounds?: number; highWaterMark?: number } = {},
): Promise<{ consumed: number; maxHeld: number }> {
  const reader = connection.readable.getReader({ mode: "byob" });
  let consumed = 0;
  let maxHeld = 0;
  for (let round = 0; round < rounds; round++) {
    const { value } = await reader.read(new Uint8Array(16 * KiB));
    consumed += value?.byteLength ?? 0;
    await untilTurns(() => connection.bytesRead - consumed >= highWaterMark);
    // A few more turns: anything beyond the queue would arrive now.
    await untilTurns(() => false, 20);
    maxHeld = Math.max(maxHeld, held(consumed));
  }
  reader.releaseLock();
  return { consumed, maxHeld };
}

/** Echoes every byte back. */
export const echo = (connection: ServerConnection): void => {
  connection.readable.pipeTo(connection.writable).catch(() => {});
};

/** Rejects if `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Reads every instruction to the end of the session. */
export async function readSession(
  client: GuacamoleClient,
): Promise<{ count: number; last: Instruction | undefined }> {
  let count = 0;
  let last: Instruction | undefined;
  for (;;) {
    const next = await client.readInstruction();
    if (next === undefined) return { count, last };
    count++;
    last = next;
  }
}

/** The simulator's session is over: its socket is closed, by `closedBy`. */
export async function assertSocketClosed(sim: SuiteSimulator, closedBy: string): Promise<void> {
  const [report] = await withTimeout(sim.simulator.waitForReports(1), 5000, "the session's end");
  assert.equal(report?.end?.closedBy, closedBy, JSON.stringify(report?.end));
}

/** The handshake options of the simulator's VNC desktop. */
export const vnc = { protocol: "vnc", parameters: { hostname: "desktop" } } as const;

/** Anything a test listens with: closed when the test is done, passed or failed. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Starts a server, runs `use` with it and closes it in `finally`: the one listen/try/finally every
 * test that needs a server goes through.
 */
export async function withServer<S extends Closable, T>(
  starting: Promise<S>,
  use: (server: S) => Promise<T>,
): Promise<T> {
  const server = await starting;
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}

/**
 * Awaits `promise` and asserts it rejects with an error named `name` (by default the transports'
 * `GuacdConnectionError`) whose `code` is `code`, or whose `status` is `code` when it is a number
 * (a `GuacamoleStatusError`); `message`, if given, must match. Returns the error.
 */
export async function rejectsWithCode(
  promise: Promise<unknown>,
  code: string | number,
  options: { name?: string; message?: RegExp } = {},
): Promise<Error & { code: string; status?: number }> {
  const name = options.name ?? "GuacdConnectionError";
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { code: string; status?: number };
    assert.equal(e.name, name, `unexpected error: ${e.stack ?? e}`);
    const actual = typeof code === "number" ? e.status : e.code;
    assert.equal(actual, code, `expected ${code}, got ${actual}: ${e.message}`);
    if (options.message !== undefined) assert.match(e.message, options.message);
    return e;
  }
  assert.fail(`expected a ${name} (${code})`);
}
