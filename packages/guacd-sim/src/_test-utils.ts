// Test helpers: a scripted Guacamole client over an in-memory pipe or a raw TCP socket, and fake
// time that lets real loopback I/O run between its steps.

import { connect as netConnect } from "node:net";
import { afterEach, beforeEach, vi } from "vitest";
import { encodeInstruction, parseAll, type WireInstruction, WireParser } from "./_wire.ts";
import type { ByteDuplex } from "./simulator.ts";

const encoder = new TextEncoder();

interface Transport {
  write(bytes: Uint8Array): void;
  end(): void;
}

/** A client that records everything the server sends and can wait for it. */
export class TestClient {
  readonly received: WireInstruction[] = [];
  /** Bytes received, in total. */
  bytes = 0;
  /** Set once the server closed its side. */
  closed = false;
  /** Time the first byte arrived (ms), or 0. */
  firstByteAt = 0;
  closedAt = 0;
  /** Echo every `sync` as a real client does. */
  echoSync = false;
  #transport: Transport | undefined;
  #parser = new WireParser();
  #waiters = new Set<() => void>();

  attach(transport: Transport): void {
    this.#transport = transport;
  }

  feed(chunk: Uint8Array): void {
    if (this.firstByteAt === 0) this.firstByteAt = Date.now();
    this.bytes += chunk.length;
    for (const instruction of this.#parser.push(chunk)) {
      this.received.push(instruction);
      if (this.echoSync && instruction.opcode === "sync") {
        this.send(encodeInstruction("sync", instruction.args[0] ?? "0"));
      }
    }
    this.#notify();
  }

  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closedAt = Date.now();
    this.#notify();
  }

  send(data: string | Uint8Array): void {
    if (this.closed) return;
    try {
      this.#transport?.write(typeof data === "string" ? encoder.encode(data) : data);
    } catch {
      // The server may already have closed.
    }
  }

  end(): void {
    this.#transport?.end();
  }

  /** Opcodes received so far. */
  get opcodes(): string[] {
    return this.received.map((i) => i.opcode);
  }

  /**
   * Waits until `predicate` holds; rejects after `timeoutMs`. On fake time, each turn of the event
   * loop in which nothing arrived moves the time 10 ms forward, so the server's timers run.
   */
  until(predicate: () => boolean, timeoutMs = 10000, what = "condition"): Promise<void> {
    const fake = vi.isFakeTimers();
    return new Promise((resolve, reject) => {
      if (predicate()) return resolve();
      let done = false;
      const finish = (error?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (error === undefined) resolve();
        else reject(error);
      };
      // Checked as bytes arrive too: a replay that never yields to the event loop still ends.
      const check = (): void => {
        if (predicate()) finish();
      };
      const timer = fake
        ? undefined
        : setTimeout(
            () => finish(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)),
            timeoutMs,
          );
      this.#waiters.add(check);
      if (fake) {
        const progress = (): number => this.bytes + (this.closed ? 1 : 0);
        advanceUntil(() => done || predicate(), what, timeoutMs, progress).then(
          () => finish(),
          (error: Error) => finish(error),
        );
      }
    });
  }

  /** Waits for an instruction with `opcode` at or after index `from`; resolves with its index. */
  async waitFor(opcode: string, from = 0, timeoutMs = 10000): Promise<number> {
    let found = -1;
    await this.until(
      () => {
        for (let k = from; k < this.received.length; k++) {
          if (this.received[k]!.opcode === opcode) {
            found = k;
            return true;
          }
        }
        return false;
      },
      timeoutMs,
      `"${opcode}"`,
    );
    return found;
  }

  waitClosed(timeoutMs = 10000): Promise<void> {
    return this.until(() => this.closed, timeoutMs, "close");
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** A client joined to a server end by in-memory web streams. */
export function memoryPair(): { server: ByteDuplex; client: TestClient } {
  const toServer = new TransformStream<Uint8Array, Uint8Array>();
  const toClient = new TransformStream<Uint8Array, Uint8Array>();
  const client = new TestClient();
  const writer = toServer.writable.getWriter();
  client.attach({
    write: (bytes) => void writer.write(bytes).catch(() => {}),
    end: () => void writer.close().catch(() => {}),
  });
  void (async () => {
    const reader = toClient.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        client.feed(value);
      }
    } catch {
      // aborted by the server
    }
    client.onClose();
  })();
  return { server: { readable: toServer.readable, writable: toClient.writable }, client };
}

/** A client on a raw TCP socket (no web-stream adapter in the way). */
export function tcpClient(port: number, host = "127.0.0.1"): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const client = new TestClient();
    const socket = netConnect({ port, host, noDelay: true }, () => {
      socket.off("error", reject);
      socket.on("error", () => {});
      resolve(client);
    });
    socket.once("error", reject);
    client.attach({ write: (bytes) => socket.write(bytes), end: () => socket.end() });
    socket.on("data", (chunk: Buffer) => client.feed(new Uint8Array(chunk)));
    socket.on("close", () => client.onClose());
  });
}

/** A recording's instructions with the byte range of each. */
export function frames(bytes: Uint8Array): { instruction: WireInstruction; bytes: Uint8Array }[] {
  const { instructions } = parseAll(bytes);
  const out: { instruction: WireInstruction; bytes: Uint8Array }[] = [];
  let at = 0;
  for (const instruction of instructions) {
    out.push({ instruction, bytes: bytes.subarray(at, at + instruction.byteLength) });
    at += instruction.byteLength;
  }
  return out;
}

/**
 * Plays a recorded client side (`*.c2s.guac`) byte for byte: the handshake at once, then each
 * recorded instruction once the server has sent what it answers (a `sync` echo after that `sync`,
 * an `argv` stream after `required`), and the final `disconnect` only if the server has not closed
 * within `waitCloseMs`.
 */
export async function playClient(
  client: TestClient,
  c2s: Uint8Array,
  waitCloseMs = 5000,
): Promise<void> {
  const all = frames(c2s);
  const connectAt = all.findIndex((f) => f.instruction.opcode === "connect");
  const handshakeEnd = connectAt < 0 ? all.length : connectAt + 1;
  let handshakeBytes = 0;
  for (let k = 0; k < handshakeEnd; k++) handshakeBytes += all[k]!.bytes.length;
  client.send(c2s.subarray(0, handshakeBytes));
  let seenSync = 0;
  for (let k = handshakeEnd; k < all.length; k++) {
    const { instruction, bytes } = all[k]!;
    if (instruction.opcode === "sync") {
      const ts = Number(instruction.args[0]);
      await client.until(
        () => {
          for (let j = seenSync; j < client.received.length; j++) {
            const r = client.received[j]!;
            if (r.opcode === "sync" && Number(r.args[0]) >= ts) {
              seenSync = j;
              return true;
            }
          }
          return client.closed;
        },
        20000,
        `sync ${ts}`,
      );
    } else if (instruction.opcode === "argv") {
      await client.waitFor("required");
    } else if (instruction.opcode === "disconnect") {
      // The recorded client said goodbye after guacd had finished: let the server finish first.
      if (waitCloseMs > 0) await client.until(() => client.closed, waitCloseMs).catch(() => {});
    }
    if (client.closed) return;
    client.send(bytes);
  }
}

/** What a structural comparison looks at: opcodes and decoded elements, `ready`'s id masked. */
export function shape(instructions: readonly WireInstruction[]): string[][] {
  return instructions.map((i) =>
    i.opcode === "ready"
      ? ["ready", /^\$[0-9a-f-]{36}$/.test(i.args[0] ?? "") ? "$<uuid>" : "?"]
      : [i.opcode, ...i.args],
  );
}

/** Runs the test file's tests on vitest's fake timers and `Date` (the simulator's default clock). */
export function useFakeTime(): void {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** One turn of the event loop: pending promise jobs settle and ready socket callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Moves fake time forward by `ms` in steps, letting real I/O run between them. */
export async function advance(ms: number, stepMs = 10): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    await vi.advanceTimersByTimeAsync(Math.min(stepMs, ms - done));
    await settle();
  }
}

/**
 * Waits on fake time until `predicate` holds: each turn of the event loop in which `progress()`
 * did not change (no bytes arrived) moves the time `stepMs` forward. Fails after `maxMs` of fake
 * time.
 */
export async function advanceUntil(
  predicate: () => boolean,
  what = "condition",
  maxMs = 60000,
  progress: () => number = () => 0,
  stepMs = 10,
): Promise<void> {
  let advanced = 0;
  let seen = progress();
  while (!predicate()) {
    await settle();
    if (predicate()) return;
    const now = progress();
    if (now !== seen) {
      seen = now;
      continue;
    }
    if (advanced >= maxMs) throw new Error(`No ${what} after ${maxMs} ms of fake time`);
    await vi.advanceTimersByTimeAsync(stepMs);
    advanced += stepMs;
  }
}
