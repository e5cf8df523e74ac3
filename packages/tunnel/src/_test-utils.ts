// An in-memory browser WebSocket for bridge tests: records what the broker sends, lets the test
// play the browser (messages, close, a send buffer that fills), and answers guacd's syncs if asked.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CompactEncrypt } from "jose";
import type { WebSocketEventLike, WebSocketLike } from "./base/websocket.ts";
import type { TokenKey } from "./broker/token.ts";

type Listener = (event: WebSocketEventLike) => void;

export class FakeBrowser implements WebSocketLike {
  readyState = 1;
  bufferedAmount = 0;
  /** Each `bufferedAmount` grows by what is sent, and never drains until `drain()`. */
  stuck = false;
  readonly sent: string[] = [];
  sentBytes = 0;
  closed: { code: number | undefined; reason: string | undefined } | undefined;
  pauses = 0;
  resumes = 0;
  paused = false;
  readonly #listeners = new Map<string, Listener[]>();
  readonly #closedWaiters: (() => void)[] = [];
  #echoSync = false;
  #queueBytes = false;
  /** Byte messages held by reference (`queueBytes`), as a socket with a full buffer holds them. */
  readonly queued: Uint8Array[] = [];

  constructor(options: { echoSync?: boolean; pausable?: boolean; queueBytes?: boolean } = {}) {
    this.#echoSync = options.echoSync ?? false;
    this.#queueBytes = options.queueBytes ?? false;
    if (options.pausable === false) {
      this.pause = undefined;
      this.resume = undefined;
    }
  }

  /** Messages that came as bytes to be sent as text (the `ws` package's `{ binary: false }`). */
  bytesAsText = 0;

  send(data: string | Uint8Array, options?: { binary?: boolean }): void {
    if (this.readyState !== 1) throw new Error("Cannot send: not open");
    if (typeof data !== "string") {
      // A binary message would be lost on guacamole-common-js: only bytes sent as text count.
      if (options?.binary !== false) throw new Error("Cannot send: a binary message");
      this.bytesAsText++;
      if (this.#queueBytes) {
        // Like a socket that could not write at once: it keeps the caller's bytes, unsent.
        this.queued.push(data);
        this.bufferedAmount += data.byteLength;
        return;
      }
      data = new TextDecoder("utf-8", { fatal: true }).decode(data);
    }
    this.sent.push(data);
    this.sentBytes += data.length;
    if (this.stuck) this.bufferedAmount += data.length;
    if (this.#echoSync) {
      for (const match of data.matchAll(/(?:^|;)4\.sync,\d+\.(\d+)/g)) {
        const ts = match[1]!;
        queueMicrotask(() => this.receive(`4.sync,${ts.length}.${ts};`));
      }
    }
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.closed = { code, reason };
    this.#emit("close", { type: "close", code: code ?? 1005, reason: reason ?? "" });
    for (const waiter of this.#closedWaiters.splice(0)) waiter();
  }

  addEventListener(type: string, listener: Listener): void {
    const list = this.#listeners.get(type) ?? [];
    list.push(listener);
    this.#listeners.set(type, list);
  }

  pause: (() => void) | undefined = () => {
    this.pauses++;
    this.paused = true;
  };

  resume: (() => void) | undefined = () => {
    this.resumes++;
    this.paused = false;
  };

  /** The browser sends a message. */
  receive(data: unknown): void {
    if (this.readyState === 1) this.#emit("message", { type: "message", data });
  }

  /** The socket errs (as the `ws` package's does on a frame over `maxPayload`), still open. */
  emitError(): void {
    this.#emit("error", { type: "error" });
  }

  /** The browser closes. */
  browserClose(code = 1000): void {
    this.close(code, "");
  }

  /**
   * The browser's close frame arrived but the closing handshake is not over: the socket is
   * `CLOSING` and its `close` event comes later ({@link FakeBrowser.finishClosing}).
   */
  startClosing(): void {
    if (this.readyState === 1) this.readyState = 2;
  }

  /** The closing handshake ends: the `close` event with the browser's code. */
  finishClosing(code = 1000): void {
    this.readyState = 1;
    this.close(code, "");
  }

  drain(): void {
    this.stuck = false;
    this.bufferedAmount = 0;
  }

  whenClosed(): Promise<void> {
    return this.closed !== undefined
      ? Promise.resolve()
      : new Promise((resolve) => this.#closedWaiters.push(resolve));
  }

  /** Everything sent after the tunnel UUID, joined. */
  get output(): string {
    return this.sent.slice(1).join("");
  }

  #emit(type: string, event: WebSocketEventLike): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
}

const gc: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** One turn of the event loop: the I/O, timers and promise jobs pending now run first. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Collects garbage for real, after the current job (a `WeakRef` target lives until then). */
export async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await nextTurn();
    gc();
  }
}

/**
 * Resolves once `check()` is true, checking after each turn of the event loop (what it waits for
 * comes as I/O, a timer or a promise job, never as time alone); rejects after `timeout` ms.
 */
export async function until(
  check: () => boolean,
  timeout = 10_000,
  what = "condition",
): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeout) throw new Error(`Timed out waiting for ${what}`);
    await nextTurn();
  }
}

/** A guacd stand-in in memory: what the bridge writes is collected; `push` plays guacd. */
export function memoryGuacd(): {
  duplex: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
  push(text: string): void;
  /** guacd writes these bytes as one read. */
  pushBytes(bytes: Uint8Array): void;
  end(): void;
  received(): string;
  /** Whether the bridge cancelled guacd's output (it ended the tunnel). */
  readonly cancelled: boolean;
  /** While true, writes from the bridge are not accepted (a slow guacd). */
  hold: boolean;
  release(): void;
} {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  const chunks: Uint8Array[] = [];
  let releaseHold: (() => void) | undefined;
  const state = {
    cancelled: false,
    hold: false,
    release() {
      state.hold = false;
      releaseHold?.();
    },
  };
  const writable = new WritableStream<Uint8Array>(
    {
      async write(chunk) {
        while (state.hold) await new Promise<void>((resolve) => (releaseHold = resolve));
        chunks.push(chunk);
      },
    },
    { highWaterMark: 1 },
  );
  const encoder = new TextEncoder();
  return Object.assign(state, {
    duplex: { readable, writable },
    push: (text: string) => controller.enqueue(encoder.encode(text)),
    pushBytes: (bytes: Uint8Array) => controller.enqueue(bytes),
    end: () => controller.close(),
    received: () => new TextDecoder().decode(concat(chunks)),
  });
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * A guacd stand-in in memory that answers the handshake (`args` for any `select`, then `ready`
 * with `connectionId` once `connect` arrived and `readyGate` resolved), and collects every byte
 * the broker sends after it.
 */
export function handshakeGuacd(
  options: { connectionId?: string; readyGate?: Promise<void> } = {},
): {
  duplex: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
  /** What arrived after `connect`, as text. */
  afterConnect(): string;
  push(text: string): void;
  /** guacd's process dies: its socket errors. */
  kill(): void;
  /** Whether the broker closed (or aborted) its side. */
  readonly closed: boolean;
  /** When the broker closed it (`performance.now()`). */
  readonly closedAt: number | undefined;
} {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let text = "";
  let connectAt = -1;
  let closedAt: number | undefined;
  const close = (): void => {
    closedAt ??= performance.now();
  };
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel: close,
  });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      const before = text.length;
      text += new TextDecoder().decode(chunk);
      if (before === 0 && text.includes("6.select")) {
        controller.enqueue(
          encoder.encode("4.args,13.VERSION_1_5_0,8.hostname,4.port,9.read-only;"),
        );
      }
      if (connectAt < 0 && text.includes("7.connect,")) {
        connectAt = text.indexOf(";", text.indexOf("7.connect,")) + 1;
        void (options.readyGate ?? Promise.resolve()).then(() => {
          try {
            const id = options.connectionId ?? "$0d3c5d2e-guacd";
            controller.enqueue(encoder.encode(`5.ready,${[...id].length}.${id};`));
          } catch {
            // The broker gave up first.
          }
        });
      }
    },
    close,
    abort: close,
  });
  return {
    duplex: { readable, writable },
    afterConnect: () => (connectAt < 0 ? "" : text.slice(connectAt)),
    push: (t) => controller.enqueue(encoder.encode(t)),
    kill: () => controller.error(new Error("ECONNRESET")),
    get closed() {
      return closedAt !== undefined;
    },
    get closedAt() {
      return closedAt;
    },
  };
}

/**
 * Seals token claims as any issuer holding the key could (a program in another language, or a
 * JSON file), skipping `sealToken`'s own schema check: what `openToken` must still refuse.
 */
export async function sealRawToken(key: TokenKey, claims: unknown): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .encrypt(key as CryptoKey);
}
