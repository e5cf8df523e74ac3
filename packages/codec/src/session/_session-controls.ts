import { type Instruction, instruction } from "../wire/instruction.ts";
import type { SendInstructions } from "./_send.ts";
import type { GuacamoleLateAck } from "./client-options.ts";
import { type DisplaySize, GuacamoleDisplay } from "./display.ts";
import { GuacamoleFilesystem } from "./files/filesystem.ts";
import { GuacamoleFilesystemError } from "./files/filesystem-error.ts";
import { ObjectRequests } from "./files/object-requests.ts";
import { GuacamoleKeyboard } from "./input/keyboard.ts";
import { GuacamoleMouse } from "./input/mouse.ts";
import { GuacamoleTouch } from "./input/touch.ts";
import { LiveArguments } from "./live-arguments.ts";
import { OutboundStreams } from "./streams/outbound-streams.ts";

/** What the controls need from the client they belong to. */
export interface SessionControlsHost {
  readonly send: SendInstructions;
  /** The negotiated version, once the handshake is done. */
  readonly protocolVersion: () => string | undefined;
  /** Makes sure guacd's instructions are being read (acks and bodies arrive that way). */
  readonly readInstructions: () => void;
  /** Starts an inbound stream for a `body` and acks it, so guacd sends its first blob. */
  readonly openBody: (streamIndex: number) => ReadableStream<Uint8Array>;
  readonly onSize: ((size: DisplaySize) => void) | undefined;
  readonly onFilesystem: ((filesystem: GuacamoleFilesystem) => void) | undefined;
  readonly onLateAck?: ((ack: GuacamoleLateAck) => void) | undefined;
}

/**
 * What became of an instruction from guacd: acted on by the controls (`handled`), taken by them
 * and kept from the application (`consumed`), or none of theirs (`unhandled`).
 */
export type ControlsDispatch = "handled" | "consumed" | "unhandled";

/**
 * The parts that drive an open session (keyboard, mouse, touch, display, live arguments, files)
 * and the instructions from guacd they act on. One per session, made at `ready`.
 */
export class SessionControls {
  readonly keyboard: GuacamoleKeyboard;
  readonly mouse: GuacamoleMouse;
  readonly display: GuacamoleDisplay;
  readonly streams: OutboundStreams;
  readonly arguments: LiveArguments;
  readonly #requests: ObjectRequests;
  readonly #host: SessionControlsHost;
  #touch: GuacamoleTouch | undefined;
  readonly #filesystems = new Map<number, GuacamoleFilesystem>();
  readonly #onFilesystem: ((filesystem: GuacamoleFilesystem) => void) | undefined;
  #filesystemWaiters: {
    resolve: (filesystem: GuacamoleFilesystem) => void;
    reject: (error: Error) => void;
  }[] = [];
  #ended: Error | undefined;

  constructor(host: SessionControlsHost) {
    this.keyboard = new GuacamoleKeyboard(host.send);
    this.mouse = new GuacamoleMouse(host.send);
    this.#host = host;
    this.display = new GuacamoleDisplay(host.send, host.onSize);
    this.streams = new OutboundStreams(host.send, host.readInstructions, host.onLateAck);
    this.arguments = new LiveArguments((name, value) =>
      this.streams.send((stream) => instruction("argv", stream, "text/plain", name), value, {
        acks: "open",
      }),
    );
    this.#requests = new ObjectRequests(host.send, host.openBody);
    this.#onFilesystem = host.onFilesystem;
  }

  /** The touch screen, for the version the handshake settled. */
  get touch(): GuacamoleTouch {
    this.#touch ??= new GuacamoleTouch(this.#host.send, this.#host.protocolVersion());
    return this.#touch;
  }

  /** The filesystems guacd exposes now, oldest first. */
  get filesystems(): readonly GuacamoleFilesystem[] {
    return [...this.#filesystems.values()];
  }

  /**
   * The first filesystem guacd exposes (at once if it already has). guacd sends `filesystem`
   * right after connecting when one is enabled; a session without one fails after `timeoutMs`.
   */
  nextFilesystem(timeoutMs: number): Promise<GuacamoleFilesystem> {
    const first = this.#filesystems.values().next();
    if (first.done !== true) return Promise.resolve(first.value);
    if (this.#ended !== undefined) return Promise.reject(this.#noFilesystem("the session ended"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#filesystemWaiters = this.#filesystemWaiters.filter((w) => w !== waiter);
        reject(this.#noFilesystem(`guacd exposed none within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: (filesystem: GuacamoleFilesystem) => {
          clearTimeout(timer);
          resolve(filesystem);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#filesystemWaiters.push(waiter);
    });
  }

  /** Acts on an instruction from guacd, and says what became of it. */
  dispatch(item: Instruction): ControlsDispatch {
    switch (item.opcode) {
      case "size":
        this.display.observe(item);
        return "handled";
      case "ack":
        // The acks of the client's own streams are its business: their outcome is what the
        // transfer returns.
        return this.streams.handleAck(item) ? "consumed" : "unhandled";
      case "body":
        this.#requests.handleBody(item);
        return "handled";
      case "filesystem": {
        const index = Number.parseInt(item.args[0] ?? "", 10);
        if (!Number.isInteger(index)) return "handled";
        const filesystem = new GuacamoleFilesystem(index, item.args[1] ?? "", {
          get: (object, path, timeoutMs) => this.#requests.get(object, path, timeoutMs),
          put: (object, path, mimetype, source) =>
            this.streams.send(
              (stream) => instruction("put", object, stream, mimetype, path),
              source,
              { acks: "each", ackEnd: true },
            ),
        });
        this.#filesystems.set(index, filesystem);
        const waiters = this.#filesystemWaiters;
        this.#filesystemWaiters = [];
        for (const waiter of waiters) waiter.resolve(filesystem);
        this.#onFilesystem?.(filesystem);
        return "handled";
      }
      case "undefine":
        this.#filesystems.delete(Number.parseInt(item.args[0] ?? "", 10));
        return "handled";
      default:
        return "unhandled";
    }
  }

  /** The session ended: every transfer still waiting fails. */
  end(cause: Error | undefined): void {
    this.#ended = cause ?? new Error("the session ended");
    this.streams.end(cause);
    this.#requests.end(cause);
    const waiters = this.#filesystemWaiters;
    this.#filesystemWaiters = [];
    for (const waiter of waiters) waiter.reject(this.#noFilesystem("the session ended"));
  }

  #noFilesystem(why: string): GuacamoleFilesystemError {
    return new GuacamoleFilesystemError(
      "NOT_FOUND",
      "",
      `Cannot get a filesystem: ${why}`,
      undefined,
      {
        cause: this.#ended,
      },
    );
  }
}
