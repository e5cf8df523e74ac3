/**
 * One session against a guacd as an operator sees it: `connectGuacamole` (which echoes every
 * `sync` and keeps the session alive with `nop`), a reader that counts bytes and frames, and the
 * timings: handshake (connect call to `ready`), first complete frame (connect call to the first
 * `sync` after drawing instructions) and keystroke echo (a key press sent to the first `sync`
 * after drawing that follows it). Every session is registered in `openSessions` until closed, and
 * `close()` sends `disconnect` and closes the socket.
 */
import { GuacamoleClientError, instruction } from "@guacstream/codec";
import { GuacamoleStatusError } from "@guacstream/codec/client";
import { type ConnectedGuacamoleClient, connectGuacamole } from "@guacstream/transport-node";
import { openSessions } from "../harness/open-sessions.ts";
import { PixelWatch, type Rect } from "./pixels.ts";
import type { GuacdTarget } from "./targets.ts";

/** How long `close()` waits for guacd to close after `disconnect`. */
const CLOSE_WAIT_MS = 1000;

/** Opcodes that draw nothing: a frame is "complete" at a `sync` after anything else. */
const NOT_DRAWING = new Set([
  "sync",
  "nop",
  "ack",
  "msg",
  "name",
  "clipboard",
  "error",
  "disconnect",
  "required",
  "argv",
  "audio",
  "video",
  "pipe",
  "file",
  "filesystem",
  "body",
  "undefine",
  "log",
]);

/** Why a session could not be opened or did not last. */
export type SessionTrouble =
  | { readonly kind: "status"; readonly status: number; readonly message: string }
  | { readonly kind: "reset"; readonly message: string }
  | { readonly kind: "timeout"; readonly message: string }
  | { readonly kind: "ended"; readonly message: string };

/** Sorts a failure into the trouble the ramp watches for. */
export function troubleOf(error: unknown): SessionTrouble {
  if (error instanceof GuacamoleStatusError) {
    return { kind: "status", status: error.status, message: error.message };
  }
  if (error instanceof GuacamoleClientError && error.code === "HANDSHAKE_TIMEOUT") {
    return { kind: "timeout", message: error.message };
  }
  return { kind: "reset", message: error instanceof Error ? error.message : String(error) };
}

export interface OpenOptions {
  /** Handshake time limit. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Called with each batch of bytes received (for progress). */
  readonly onBytes?: (bytes: number) => void;
  /** Follow the session with a headless display, to measure what a person sees. */
  readonly pixels?: boolean;
}

/** A session that is open and reading. */
export class GuacdSession {
  /** Connect call to `ready`, ms. */
  readonly handshakeMs: number;
  /** Connect call to the first complete frame, ms; undefined until it came. */
  firstFrameMs: number | undefined;
  /** `sync`s received so far. */
  frames = 0;
  /** What ended the session other than our own close, once it ended. */
  trouble: SessionTrouble | undefined;
  /** The session's pixels, when opened with `pixels`. */
  readonly pixels: PixelWatch | undefined;
  readonly #client: ConnectedGuacamoleClient;
  readonly #started: number;
  readonly #reading: Promise<void>;
  readonly #untrack: () => void;
  #drawn = false;
  /** When (`performance.now()`) the last frame that drew something ended. */
  #lastDrawnAt: number | undefined;
  #echoWaiter: ((at: number) => void) | undefined;
  #closing = false;

  private constructor(
    client: ConnectedGuacamoleClient,
    started: number,
    options: OpenOptions,
    pixels: PixelWatch | undefined,
  ) {
    this.pixels = pixels;
    this.#client = client;
    this.#started = started;
    this.handshakeMs = performance.now() - started;
    this.#untrack = openSessions.track(() => this.close());
    this.#reading = this.#read(options.onBytes);
  }

  /** Opens a session on `target`; rejects as `connectGuacamole` does (see `troubleOf`). */
  static async open(target: GuacdTarget, options: OpenOptions): Promise<GuacdSession> {
    const started = performance.now();
    const pixels = options.pixels === true ? new PixelWatch() : undefined;
    const client = await connectGuacamole({
      ...(pixels === undefined
        ? {}
        : { image: [...pixels.mimetypes], onInstruction: (i) => pixels.apply(i) }),
      host: target.host,
      port: target.port,
      protocol: target.protocol,
      parameters: target.parameters,
      width: 1024,
      height: 768,
      timeout: options.timeoutMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return new GuacdSession(client, started, options, pixels);
  }

  /** Bytes received, handshake included. */
  get bytes(): number {
    return this.#client.connection.bytesRead;
  }

  /** Settles when the first complete frame came (or the session ended, or `ms` passed). */
  async firstFrame(ms: number): Promise<void> {
    const until = performance.now() + ms;
    while (this.firstFrameMs === undefined && this.trouble === undefined && !this.#closing) {
      if (performance.now() >= until) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Settles once the session has drawn nothing for `quietMs` after its first frame (a terminal
   * done logging in, waiting at its prompt), or when `limitMs` passed or the session ended.
   */
  async quiet(quietMs: number, limitMs: number): Promise<void> {
    const until = performance.now() + limitMs;
    while (performance.now() < until && this.trouble === undefined && !this.#closing) {
      const last = this.#lastDrawnAt;
      if (last !== undefined && performance.now() - last >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /**
   * Presses and releases `keysym`; resolves with the ms from sending the press to the first
   * `sync` after drawing that follows it, or undefined when none came within `timeoutMs`.
   */
  async keystroke(keysym: number, timeoutMs: number): Promise<number | undefined> {
    const at = await this.#echo(
      () => this.#client.sendInstruction(instruction("key", String(keysym), "1")),
      timeoutMs,
    );
    await this.#client.sendInstruction(instruction("key", String(keysym), "0")).catch(() => {});
    return at;
  }

  /**
   * Moves the pointer to (`x`, `y`) with no button held; resolves as `keystroke` does. A desktop
   * whose cursor the client draws may answer a move with no drawing at all: undefined then.
   */
  pointer(x: number, y: number, timeoutMs: number): Promise<number | undefined> {
    return this.#echo(
      () => this.#client.sendInstruction(instruction("mouse", String(x), String(y), "0")),
      timeoutMs,
    );
  }

  /** When the session's connect call started (`performance.now()`). */
  get started(): number {
    return this.#started;
  }

  /**
   * Input-to-photon: presses (and then releases) `keysym`, or moves the pointer to (`x`, `y`).
   * Resolves with the ms to the first frame whose pixels change in `rect` (whole screen:
   * undefined), and to the first `sync` after drawing (the protocol's stand-in); each undefined
   * when none came within `timeoutMs`. Needs `pixels`.
   */
  async photon(
    input: { readonly keysym: number } | { readonly x: number; readonly y: number },
    rect: Rect | undefined,
    timeoutMs: number,
  ): Promise<{ pixelsMs: number | undefined; syncMs: number | undefined }> {
    if (this.pixels === undefined) throw new Error("Cannot time pixels: opened without `pixels`");
    const send = (pressed: string): Promise<unknown> =>
      "keysym" in input
        ? this.#client.sendInstruction(instruction("key", String(input.keysym), pressed))
        : this.#client.sendInstruction(instruction("mouse", String(input.x), String(input.y), "0"));
    let echo: Promise<number | undefined> = Promise.resolve(undefined);
    const pixelsMs = await this.pixels.photon(
      () => {
        echo = this.#echo(() => send("1"), timeoutMs);
        return Promise.resolve();
      },
      rect,
      timeoutMs,
    );
    const syncMs = await echo;
    if ("keysym" in input) await send("0").catch(() => {});
    return { pixelsMs, syncMs };
  }

  /** Sends with `send` and times it to the first `sync` after drawing that follows. */
  async #echo(send: () => Promise<unknown>, timeoutMs: number): Promise<number | undefined> {
    const echoed = new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#echoWaiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.#echoWaiter = (at) => {
        clearTimeout(timer);
        resolve(at);
      };
    });
    this.#drawn = false;
    const sent = performance.now();
    try {
      await send();
    } catch {
      this.#echoWaiter?.(Number.NaN);
      this.#echoWaiter = undefined;
    }
    const at = await echoed;
    return at === undefined || Number.isNaN(at) ? undefined : at - sent;
  }

  /**
   * Sends `disconnect`, reads on until guacd closes (at most `CLOSE_WAIT_MS`), then closes the
   * socket. Closing at once with unread bytes would make the kernel reset the connection, and a
   * reset can discard the `disconnect` before guacd reads it. Never rejects.
   */
  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      const sent = await this.#client.sendInstruction(instruction("disconnect")).then(
        () => true,
        () => false,
      );
      if (sent) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          this.#reading,
          new Promise((resolve) => {
            timer = setTimeout(resolve, CLOSE_WAIT_MS);
          }),
        ]);
        clearTimeout(timer);
      }
    }
    await this.#client.close().catch(() => {});
    await this.#reading;
    this.#untrack();
  }

  async #read(onBytes: ((bytes: number) => void) | undefined): Promise<void> {
    const reader = this.#client.instructions.getReader();
    let counted = this.#client.connection.bytesRead;
    onBytes?.(counted);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.opcode === "sync") {
          this.frames++;
          if (this.#drawn) {
            const now = performance.now();
            this.firstFrameMs ??= now - this.#started;
            this.#lastDrawnAt = now;
            this.#echoWaiter?.(now);
            this.#echoWaiter = undefined;
            this.#drawn = false;
          }
          const read = this.#client.connection.bytesRead;
          onBytes?.(read - counted);
          counted = read;
        } else if (!NOT_DRAWING.has(value.opcode)) this.#drawn = true;
      }
    } catch (error) {
      if (!this.#closing) this.trouble = troubleOf(error);
    }
    onBytes?.(this.#client.connection.bytesRead - counted);
    const { initiator, error } = await this.#client.closed;
    if (this.#closing || this.trouble !== undefined) return;
    if (error !== undefined) this.trouble = troubleOf(error);
    else if (initiator === "guacd")
      this.trouble = { kind: "ended", message: "guacd ended the session" };
  }
}
