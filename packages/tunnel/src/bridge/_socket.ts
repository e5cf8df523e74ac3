import { GUACAMOLE_STATUS } from "@guacstream/codec/client";
import { TunnelError } from "../base/errors.ts";
import type { WebSocketLike } from "../base/websocket.ts";
import { PerSecondCount } from "./_per-second.ts";
import { TurnBudget } from "./_turn-budget.ts";

const CONNECTING = 0;
// One options object for every send (`ws` spreads it into its own).
const AS_TEXT = { binary: false } as const;

/** The `ws` package's `send`, which takes bytes and sends them as a text message when asked. */
interface BytesAsTextSocket {
  send(data: Uint8Array, options: { readonly binary: false }): void;
}

const OPEN = 1;
// Bytes a browser may hand the broker in one turn of the event loop before it waits for the next.
const TURN_BUDGET = 64 * 1024;
// Checks of a full send buffer on the event loop's next turns, beside the first timer.
const NEXT_TURN_CHECKS = 4;

/** Calls `callback` on the event loop's next turn, after its I/O (`setImmediate`, or a zero timer). */
function nextTurn(callback: () => void): void {
  // Looked up at each call: a test's fake timers replace it.
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown })
    .setImmediate;
  if (immediate === undefined) setTimeout(callback, 0);
  else immediate(callback);
}

/** How a WebSocket closed, as its `close` event said. */
export interface SocketClose {
  readonly code: number;
  readonly reason: string;
}

/** The limits a {@link SocketAdapter} applies to every message, before and after the handshake. */
export interface SocketLimits {
  /** Bytes of messages held before the bridge listens (the tunnel's input budget). */
  readonly budget: number;
  /** Messages per second; past it the tunnel closes (`RATE_LIMITED`). */
  readonly maxMessagesPerSecond: number;
  /**
   * Bytes the socket may hold unsent. Past it, a message the broker makes itself (a ping echo)
   * stops the browser being read until the buffer drains to half; past twice it, or on a socket
   * that cannot pause, the tunnel closes (`OVERRUN`).
   */
  readonly highWaterMark: number;
  /** Milliseconds a closed socket waits for the browser's close frame before it is dropped. */
  readonly closeGrace: number;
}

/**
 * Listens to a WebSocket from the moment the broker accepts it, so nothing the browser sends while
 * the broker checks the token and handshakes with guacd is lost: early messages are held as bytes
 * within the tunnel's budget, and a browser that sends more (or too fast) is closed, never
 * silently dropped.
 */
export class SocketAdapter {
  readonly ws: WebSocketLike;
  readonly opened: Promise<boolean>;
  readonly closed: Promise<SocketClose>;
  /** Resolves when the socket closed or the browser broke a bound: nothing more will be read. */
  readonly ended: Promise<void>;
  #ended!: () => void;
  /** When the last message arrived (`Date.now()`), for the idle timeout. */
  lastMessageAt: number = Date.now();
  /** The fault that closed (or will close) the tunnel, if the adapter found one. */
  fault: TunnelError | undefined;
  readonly #limits: SocketLimits;
  readonly #encoder = new TextEncoder();
  #onMessage: ((bytes: Uint8Array) => void) | undefined;
  #onFault: ((error: TunnelError) => void) | undefined;
  #early: Uint8Array[] = [];
  #earlyBytes = 0;
  #isClosed = false;
  readonly #messages = new PerSecondCount();
  // Why reading the browser is paused (guacd slow, own output unsent): resumed when none is left.
  readonly #holds = new Set<string>();
  readonly #turn = new TurnBudget(
    TURN_BUDGET,
    () => this.hold("turn"),
    () => this.release("turn"),
  );
  #terminateArmed = false;

  constructor(ws: WebSocketLike, limits: SocketLimits) {
    this.ws = ws;
    this.#limits = limits;
    this.ended = new Promise((resolve) => {
      this.#ended = resolve;
    });
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (event) => {
        this.#isClosed = true;
        this.#early = [];
        this.#turn.stop();
        this.#ended();
        resolve({ code: event.code ?? 1005, reason: event.reason ?? "" });
      });
    });
    this.opened =
      ws.readyState === OPEN
        ? Promise.resolve(true)
        : ws.readyState !== CONNECTING
          ? Promise.resolve(false)
          : Promise.race([
              new Promise<boolean>((resolve) => ws.addEventListener("open", () => resolve(true))),
              this.closed.then(() => false),
            ]);
    ws.addEventListener("message", (event) => this.#receive(event.data));
    // An `error` event is always followed by `close`; listening keeps runtimes from reporting it
    // as unhandled. The `ws` package errs on a frame over `maxPayload` and then closes on its
    // own, reading on until the peer answers: stop reading, and drop it after the grace.
    ws.addEventListener("error", () => {
      if (this.#isClosed) return;
      this.ws.pause?.();
      this.#armTerminate();
    });
  }

  get isOpen(): boolean {
    return !this.#isClosed && this.ws.readyState === OPEN;
  }

  /** Starts delivering messages as bytes (first those that arrived early), and faults. */
  listen(onMessage: (bytes: Uint8Array) => void, onFault: (error: TunnelError) => void): void {
    this.#onFault = onFault;
    if (this.fault !== undefined) {
      onFault(this.fault);
      return;
    }
    for (const bytes of this.#early.splice(0)) {
      if (this.fault !== undefined) return;
      onMessage(bytes);
    }
    this.#earlyBytes = 0;
    this.#onMessage = onMessage;
  }

  send(text: string): void {
    if (this.isOpen) this.ws.send(text);
  }

  /**
   * Sends a message the broker makes itself (a ping echo), under the same high-water mark as
   * guacd's output: a browser that sends pings and reads nothing is paused (and resumed once its
   * buffer drains to half); past twice the mark (where it cannot be paused) it is closed.
   */
  sendOwn(text: string): void {
    if (!this.isOpen) return;
    const mark = this.#limits.highWaterMark;
    if (this.ws.bufferedAmount > 2 * mark) {
      this.#fail(
        new TunnelError(
          "OVERRUN",
          `Cannot answer the browser: more than ${2 * mark} bytes wait for it to read`,
        ),
      );
      return;
    }
    this.ws.send(text);
    if (this.ws.bufferedAmount <= mark || this.#holds.has("output")) return;
    // A socket that cannot pause is closed by the check above, at twice the mark: guacd's own
    // output may take it past the mark for a moment, which an honest browser then reads.
    if (this.hold("output")) void this.drained(mark >> 1).then(() => this.release("output"));
  }

  /** Stops reading the browser for `reason`; `false` if the socket cannot pause. */
  hold(reason: string): boolean {
    if (this.ws.pause === undefined) return false;
    if (this.#holds.size === 0) this.ws.pause();
    this.#holds.add(reason);
    return true;
  }

  /** Lifts the hold `reason`; reading resumes when no hold is left. */
  release(reason: string): void {
    if (!this.#holds.delete(reason) || this.#holds.size > 0 || this.fault !== undefined) return;
    if (this.isOpen) this.ws.resume?.();
  }

  /**
   * Sends bytes the caller knows are valid UTF-8 as one text message, with no decoding: only for
   * a socket whose `send(bytes, { binary: false })` does that (the `ws` package's).
   */
  sendBytesAsText(bytes: Uint8Array): void {
    if (this.isOpen) (this.ws as unknown as BytesAsTextSocket).send(bytes, AS_TEXT);
  }

  /**
   * Starts the closing handshake; a browser that has not finished it within `closeGrace` ms is
   * dropped (`terminate`, where the socket has it), so a peer that never answers holds nothing.
   */
  close(code: number, reason: string): void {
    if (this.#isClosed || this.ws.readyState > OPEN) return;
    try {
      this.ws.close(code, reason);
    } catch {
      // Some runtimes refuse codes outside 1000/3000–4999 on the server side; fall back to 1000
      // rather than leave the socket open. The reason still carries the Guacamole status.
      this.ws.close(1000, reason);
    }
    this.#armTerminate();
  }

  /** Drops the connection after `closeGrace` ms unless it closed by then (once; `terminate` only). */
  #armTerminate(): void {
    if (this.#terminateArmed || this.ws.terminate === undefined) return;
    this.#terminateArmed = true;
    const ws = this.ws;
    const timer = setTimeout(() => {
      if (!this.#isClosed) ws.terminate?.();
    }, this.#limits.closeGrace);
    // Node: the timer alone must not keep a process alive.
    (timer as { unref?: () => void }).unref?.();
    void this.closed.then(() => clearTimeout(timer));
  }

  /**
   * Closes a browser that broke a bound or was refused: the close frame goes out, then nothing
   * more is read (`pause`), and the connection is dropped after the grace, so the rest of a flood
   * costs nothing.
   */
  closeAbruptly(code: number, reason: string): void {
    this.close(code, reason);
    if (!this.#isClosed) this.ws.pause?.();
  }

  /**
   * Resolves once the socket's send buffer is at most `lowWater` bytes; `false` if it closed first.
   * Polled: `bufferedAmount` is the one back-pressure signal every WebSocket API shares. Beside
   * the first timer, a few checks run on the event loop's next turns: a runtime that writes in
   * the background (Deno) often drains the buffer within one, far sooner than a timer fires (a
   * millisecond at least), which would leave the connection idle meanwhile. Then timers alone
   * poll, backing off, so a browser that does not read costs few checks.
   */
  async drained(lowWater: number): Promise<boolean> {
    const turns = { left: NEXT_TURN_CHECKS };
    let wait = 1;
    while (this.isOpen && this.ws.bufferedAmount > lowWater) {
      await this.#drainedOrTimer(lowWater, wait, turns);
      wait = Math.min(wait * 2, 25);
    }
    return this.isOpen;
  }

  /**
   * Waits `wait` ms, or less if a check on one of the event loop's next turns (while `turns`
   * has some left) finds the buffer drained or the socket closed. The timer runs from the
   * start, so the checks never delay it.
   */
  #drainedOrTimer(lowWater: number, wait: number, turns: { left: number }): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(finish, wait);
      const check = (): void => {
        if (done) return;
        if (!this.isOpen || this.ws.bufferedAmount <= lowWater) finish();
        else if (turns.left-- > 0) nextTurn(check);
      };
      if (turns.left-- > 0) nextTurn(check);
    });
  }

  #receive(data: unknown): void {
    if (this.fault !== undefined || this.#isClosed) return;
    const now = Date.now();
    this.lastMessageAt = now;
    if (this.#messages.add(now) > this.#limits.maxMessagesPerSecond) {
      this.#fail(
        new TunnelError(
          "RATE_LIMITED",
          `Cannot accept message: more than ${this.#limits.maxMessagesPerSecond} per second`,
        ),
      );
      return;
    }
    if (typeof data !== "string") {
      this.#fail(
        new TunnelError(
          "BAD_INSTRUCTION",
          "Cannot accept message: the tunnel carries text messages only",
          { status: GUACAMOLE_STATUS.CLIENT_BAD_TYPE },
        ),
      );
      return;
    }
    if (data.length > this.#limits.budget) {
      this.#fail(
        new TunnelError("OVERRUN", `Cannot accept message: over ${this.#limits.budget} bytes`),
      );
      return;
    }
    this.#turn.take(data.length);
    const bytes = this.#encoder.encode(data);
    if (this.#onMessage !== undefined) {
      this.#onMessage(bytes);
      return;
    }
    this.#earlyBytes += bytes.byteLength;
    if (this.#earlyBytes > this.#limits.budget) {
      this.#fail(
        new TunnelError(
          "OVERRUN",
          `Cannot accept message: more than ${this.#limits.budget} bytes arrived before guacd was ready`,
        ),
      );
      return;
    }
    this.#early.push(bytes);
  }

  #fail(error: TunnelError): void {
    this.fault = error;
    this.#early = [];
    this.#ended();
    if (this.#onFault !== undefined) {
      this.#onFault(error);
      return;
    }
    // Before the bridge listens: close now, which also aborts the guacd handshake.
    this.closeAbruptly(error.closeCode, error.closeReason);
  }
}
