import {
  encodeInstruction,
  type Instruction,
  InstructionDecoderStream,
  InstructionEncoderStream,
} from "@guacstream/codec";
import { GUACAMOLE_STATUS, type GuacdDuplex } from "@guacstream/codec/client";
import { closeQuietly } from "../base/_close-quietly.ts";
import { closeCodeFor } from "../base/close.ts";
import { TunnelError } from "../base/errors.ts";
import type { WebSocketLike } from "../base/websocket.ts";
import { BrowserInput, decodeInternal } from "./_browser-input.ts";
import { GuacdOutput } from "./_guacd-output.ts";
import { SocketAdapter, type SocketLimits } from "./_socket.ts";
import type { BridgeOptions } from "./options.ts";
import type { BridgeResult, TunnelTraffic } from "./result.ts";

const SUCCESS: number = GUACAMOLE_STATUS.SUCCESS;
const UPSTREAM_ERROR: number = GUACAMOLE_STATUS.UPSTREAM_ERROR;
const SERVER_ERROR: number = GUACAMOLE_STATUS.SERVER_ERROR;
const SETTLE_GRACE = 250;
// A browser closed for these is not read any further (see SocketAdapter.closeAbruptly).
const BROWSER_FAULTS: ReadonlySet<string> = new Set([
  "BAD_INSTRUCTION",
  "OVERRUN",
  "TOO_MANY_INSTRUCTIONS",
  "RATE_LIMITED",
]);

/** The defaults of the bridge's bounds. */
const BRIDGE_DEFAULTS: {
  readonly highWaterMark: number;
  readonly maxInputBytes: number;
  readonly maxInstructionsPerMessage: number;
  readonly maxInstructionsPerSecond: number;
  readonly maxMessagesPerSecond: number;
  readonly idleTimeout: number;
  readonly closeGrace: number;
} = {
  highWaterMark: 1 << 20,
  maxInputBytes: 1 << 20,
  maxInstructionsPerMessage: 256,
  maxInstructionsPerSecond: 5000,
  maxMessagesPerSecond: 5000,
  idleTimeout: 20_000,
  closeGrace: 1000,
};

/** The byte budget of a tunnel's browser input (held before the handshake or queued after). */
function inputBudget(options: BridgeOptions): number {
  return 2 * (options.maxInputBytes ?? BRIDGE_DEFAULTS.maxInputBytes);
}

/** The bounds a tunnel's socket adapter applies, from the bridge's options. */
function socketLimits(options: BridgeOptions): SocketLimits {
  return {
    budget: inputBudget(options),
    maxMessagesPerSecond: options.maxMessagesPerSecond ?? BRIDGE_DEFAULTS.maxMessagesPerSecond,
    highWaterMark: options.highWaterMark ?? BRIDGE_DEFAULTS.highWaterMark,
    closeGrace: options.closeGrace ?? BRIDGE_DEFAULTS.closeGrace,
  };
}

type Initiator = BridgeResult["initiator"];

/** What the broker settles per tunnel once its token is open (the rest is fixed at accept). */
export type TunnelBridgeOptions = Pick<
  BridgeOptions,
  "uuid" | "readOnly" | "fromBrowser" | "fromGuacd"
>;

/**
 * One tunnel: the browser's socket, taken at once so no early message is lost, then, given guacd,
 * the browser → guacd pipeline ({@link Bridge.#browserToGuacd}), the guacd → browser pipeline
 * ({@link Bridge.#guacdToBrowser}), and the settle step that decides, once, who ended it and what
 * the browser is told.
 */
export class Bridge {
  readonly #socket: SocketAdapter;
  #options: BridgeOptions;
  readonly #stop = new AbortController();
  readonly #output = new GuacdOutput();
  #input: BrowserInput | undefined;
  #instructionsToGuacd = 0;
  // The verdict, set once by #end.
  #initiator: Initiator | undefined;
  #failure: Error | undefined;
  #status = SERVER_ERROR;
  // Why writing to guacd failed, if it did: the browser's input is dropped from then on.
  #inputFailure: Error | undefined;

  constructor(ws: WebSocketLike, options: BridgeOptions) {
    this.#socket = new SocketAdapter(ws, socketLimits(options));
    this.#options = options;
  }

  /** Settles when the browser leaves or breaks a bound (a handshake under way stops then). */
  get browserGone(): Promise<void> {
    return this.#socket.ended;
  }

  /** The bound the browser broke (too much input, too fast), if it broke one. */
  get browserFault(): TunnelError | undefined {
    return this.#socket.fault;
  }

  /** The tunnel's byte counts so far, read live (metrics scrape them while it runs). */
  get traffic(): TunnelTraffic {
    const output = this.#output;
    const input = (): BrowserInput | undefined => this.#input;
    return {
      get bytesToBrowser() {
        return output.bytesToBrowser;
      },
      get bytesToGuacd() {
        return input()?.bytesToGuacd ?? 0;
      },
    };
  }

  /** Relays the browser and `guacd` (handshake done) until either ends; closes both. */
  async run(guacd: GuacdDuplex, tunnel: TunnelBridgeOptions = {}): Promise<BridgeResult> {
    this.#options = { ...this.#options, ...tunnel };
    const socket = this.#socket;
    if (!(await socket.opened)) {
      await closeQuietly(guacd);
      return this.#result("browser", SUCCESS, (await socket.closed).code, undefined);
    }
    socket.send(
      encodeInstruction({ opcode: "", args: [this.#options.uuid ?? crypto.randomUUID()] }),
    );
    const inbound = this.#browserToGuacd(guacd.writable);
    const outbound = this.#guacdToBrowser(guacd.readable);
    const stopWatching = this.#watch();
    if (!this.#stop.signal.aborted) {
      await new Promise((resolve) => this.#stop.signal.addEventListener("abort", resolve));
    }
    stopWatching();
    // A guacd that never takes a write would hold the inbound pipe's abort forever; guacd's side
    // is cancelled by the outbound pipe, so the verdict waits for inbound a moment only.
    let grace: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<void>((resolve) => {
      grace = setTimeout(resolve, SETTLE_GRACE);
    });
    await Promise.allSettled([outbound, Promise.race([inbound, graceOver])]);
    clearTimeout(grace);
    return this.#settle();
  }

  /**
   * Refuses the tunnel before any guacd: closes the browser with `status` (its close code) and
   * `reason`, reads it no further, and drops it after the close grace.
   */
  async refuse(status: number, reason: string, error: Error): Promise<BridgeResult> {
    const closeCode = closeCodeFor(status);
    if (await this.#socket.opened) this.#socket.closeAbruptly(closeCode, reason);
    return {
      initiator: "error",
      status,
      closeCode,
      error,
      bytesToBrowser: 0,
      instructionsToGuacd: 0,
    };
  }

  /** Browser → guacd: validated bytes, through the object filters only if there are any. */
  #browserToGuacd(guacd: WritableStream<Uint8Array>): Promise<void> {
    const options = this.#options;
    const limits = options.limits ?? {};
    const socket = this.#socket;
    const input = new BrowserInput({
      limits,
      pauseAt: options.maxInputBytes ?? BRIDGE_DEFAULTS.maxInputBytes,
      budget: inputBudget(options),
      maxInstructionsPerMessage:
        options.maxInstructionsPerMessage ?? BRIDGE_DEFAULTS.maxInstructionsPerMessage,
      maxInstructionsPerSecond:
        options.maxInstructionsPerSecond ?? BRIDGE_DEFAULTS.maxInstructionsPerSecond,
      readOnly: options.readOnly === true,
      onInternal: (frame) => {
        const internal = decodeInternal(frame);
        if (internal?.args[0] === "ping" && internal.args.length === 2) {
          socket.sendOwn(encodeInstruction({ opcode: "", args: internal.args }));
        }
      },
      pause: () => socket.hold("input"),
      resume: () => socket.release("input"),
    });
    this.#input = input;
    socket.listen(
      (bytes) => {
        if (this.#initiator !== undefined) return;
        try {
          input.accept(bytes, socket.lastMessageAt);
        } catch (error) {
          this.#end("error", error as TunnelError, (error as TunnelError).status);
        }
      },
      (error) => this.#end("error", error, error.status),
    );

    const filters = options.fromBrowser ?? [];
    let toGuacd = input.readable;
    if (filters.length > 0) {
      let instructions: ReadableStream<Instruction> = toGuacd.pipeThrough(
        new InstructionDecoderStream({ limits }),
      );
      for (const filter of filters) instructions = instructions.pipeThrough(filter);
      const counted = new TransformStream<Instruction, Instruction>({
        transform: (instruction, controller) => {
          this.#instructionsToGuacd++;
          controller.enqueue(instruction);
        },
      });
      toGuacd = instructions
        .pipeThrough(counted)
        .pipeThrough(new InstructionEncoderStream({ limits }));
    }
    return toGuacd.pipeTo(guacd, { signal: this.#stop.signal }).then(
      () => this.#end("browser"),
      (error: unknown) => {
        // A write that fails because guacd just closed (a late `sync` echo) is no verdict: the
        // browser's input is dropped from now on, and the tunnel ends when guacd's last bytes
        // (its `error` or `disconnect`) have reached the browser, with guacd's status.
        if (this.#initiator === undefined) {
          this.#inputFailure = asError(error);
          input.close();
        }
      },
    );
  }

  /** guacd → browser: framed, recorded and filtered by the stages, sent with back-pressure. */
  #guacdToBrowser(guacd: ReadableStream<Uint8Array>): Promise<void> {
    const options = this.#options;
    return this.#output
      .pipe(this.#socket, guacd, options.fromGuacd ?? [], {
        limits: options.limits ?? {},
        highWaterMark: options.highWaterMark ?? BRIDGE_DEFAULTS.highWaterMark,
        bytesAsText: options.bytesAsText === true,
        signal: this.#stop.signal,
      })
      .then(
        () => this.#end("guacd"),
        (error: unknown) => {
          if (this.#initiator !== undefined) return;
          // The browser started closing (its close frame came, the `close` event not yet): a send
          // that fails now is the browser leaving, not guacd failing.
          if (!this.#socket.isOpen) return this.#end("browser");
          // A stage's own fault (the recording failed) carries its status.
          if (error instanceof TunnelError) return this.#end("error", error, error.status);
          // A reset right after guacd said goodbye is still guacd ending the session.
          if (this.#output.lastWord().ended) this.#end("guacd");
          else this.#end("error", this.#inputFailure ?? asError(error), UPSTREAM_ERROR);
        },
      );
  }

  /** The signal, the browser's close and its silence end the tunnel; returns the unwatch. */
  #watch(): () => void {
    const signal = this.#options.signal;
    // A TunnelError as the reason (a drain's grace run out) is a status the browser is told.
    const onAbort = (): void => {
      const reason: unknown = signal?.reason;
      if (reason instanceof TunnelError) this.#end("error", reason, reason.status);
      else this.#end("aborted");
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    void this.#socket.closed.then(() => this.#end("browser"));
    const idle = this.#options.idleTimeout ?? BRIDGE_DEFAULTS.idleTimeout;
    const timer =
      idle > 0
        ? setInterval(
            () => {
              if (Date.now() - this.#socket.lastMessageAt <= idle) return;
              const error = new TunnelError(
                "IDLE_TIMEOUT",
                `Cannot keep tunnel: the browser sent nothing for ${idle} ms`,
              );
              this.#end("error", error, error.status);
            },
            Math.max(10, Math.min(1000, idle / 4)),
          )
        : undefined;
    return () => {
      signal?.removeEventListener("abort", onAbort);
      if (timer !== undefined) clearInterval(timer);
    };
  }

  #end(who: Initiator, error?: Error, status?: number): void {
    if (this.#initiator !== undefined) return;
    this.#initiator = who;
    this.#failure = error;
    if (status !== undefined) this.#status = status;
    this.#input?.close();
    this.#stop.abort(error ?? new Error(`Tunnel ended by ${who}`));
  }

  /** Decides the status and close code once both pipelines have stopped, and closes the socket. */
  async #settle(): Promise<BridgeResult> {
    this.#input?.close();
    const initiator = this.#initiator ?? "error";
    let status: number;
    if (initiator === "guacd") {
      // guacd ends a session with `disconnect` (or `error`); a socket that just closes is a guacd
      // that died (a killed process, a host gone), which the browser learns as an upstream error.
      const last = this.#output.lastWord();
      status = last.ended ? last.status : UPSTREAM_ERROR;
    } else if (initiator === "error") status = this.#status;
    else status = SUCCESS;
    let closeCode: number;
    if (this.#socket.isOpen) {
      closeCode = initiator === "aborted" ? 1001 : closeCodeFor(status);
      const failure = this.#failure;
      if (failure instanceof TunnelError && BROWSER_FAULTS.has(failure.code)) {
        this.#socket.closeAbruptly(closeCode, failure.closeReason);
      } else {
        this.#socket.close(
          closeCode,
          failure instanceof TunnelError ? failure.closeReason : String(status),
        );
      }
    } else {
      closeCode = (await this.#socket.closed).code;
    }
    return this.#result(initiator, status, closeCode, this.#failure);
  }

  #result(
    initiator: Initiator,
    status: number,
    closeCode: number,
    error: Error | undefined,
  ): BridgeResult {
    return {
      initiator,
      status,
      closeCode,
      error,
      bytesToBrowser: this.#output.bytesToBrowser,
      instructionsToGuacd:
        (this.#options.fromBrowser ?? []).length > 0
          ? this.#instructionsToGuacd
          : (this.#input?.forwarded ?? 0),
    };
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
