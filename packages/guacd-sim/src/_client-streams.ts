// The streams a client opens toward the simulator (clipboard, file, pipe, argv), and the connection
// parameters guacd lets a client change while connected (`argv` after the handshake).

import { GUACAMOLE_STATUS } from "@guacstream/codec/client";
import { concat, fromBase64, toBase64 } from "./_bytes.ts";
import type { InputStreams } from "./_input-streams.ts";
import { encodeInstruction } from "./_wire.ts";
import type { SessionReport } from "./report.ts";

/** The stream index the simulator sends its own `argv` streams on. */
const ARGV_STREAM = "62";
const UNSUPPORTED = String(GUACAMOLE_STATUS.UNSUPPORTED);
const CLIENT_FORBIDDEN = String(GUACAMOLE_STATUS.CLIENT_FORBIDDEN);

/**
 * Collects what a client sends on its streams into the session's report, and acks them as guacd
 * does: `clipboard` never, `pipe` each blob, `file` (without a filesystem) refused with 256;
 * `argv` for a name guacd offered (or asked for with `required`) is acked open, taken and
 * echoed, any other name is refused with 771. Refused streams stay open until ended, as guacd's do.
 */
export class ClientStreams {
  readonly #input: SessionReport["input"];
  readonly #send: (bytes: Uint8Array) => void;
  readonly #streams: InputStreams;
  #live: Map<string, string> | undefined;
  #required: readonly string[] = [];
  #wake: (() => void) | undefined;

  constructor(
    input: SessionReport["input"],
    send: (bytes: Uint8Array) => void,
    streams: InputStreams,
  ) {
    this.#input = input;
    this.#send = send;
    this.#streams = streams;
  }

  /** Handles a stream instruction; `false` for any other opcode. */
  handle(opcode: string, args: readonly string[]): boolean {
    switch (opcode) {
      case "clipboard": {
        const parts: Uint8Array[] = [];
        this.#streams.open(args[0] ?? "", {
          blob: (data) => parts.push(fromBase64(data)),
          end: () => this.#input.clipboard.push(textOf(parts)),
        });
        return true;
      }
      case "pipe": {
        const index = args[0] ?? "";
        this.#streams.open(index, {
          blob: () => this.#send(encodeInstruction("ack", index, "OK", "0")),
        });
        return true;
      }
      case "file": {
        const index = args[0] ?? "";
        if (this.#streams.open(index)) {
          this.#send(encodeInstruction("ack", index, "File transfer unsupported", UNSUPPORTED));
        }
        return true;
      }
      case "argv":
        this.#openArgv(args[0] ?? "", args[2] ?? "");
        return true;
      case "blob":
        this.#streams.blob(args[0] ?? "", args[1] ?? "");
        return true;
      case "end":
        this.#streams.end(args[0] ?? "");
        return true;
      default:
        return false;
    }
  }

  /** Tells the client the current value of each parameter it may change (as guacd does on join). */
  offerLiveArguments(values: Readonly<Record<string, string>> | undefined): void {
    if (values === undefined) return;
    this.#live = new Map(Object.entries(values));
    for (const [name, value] of this.#live) this.#sendArgv(name, value);
  }

  /** Resolves once the client has sent every name `required` asked for, or `closing()` is true. */
  waitForArgv(names: readonly string[], closing: () => boolean): Promise<void> {
    this.#required = names;
    return new Promise((resolve) => {
      const check = (): void => {
        if (closing() || names.every((n) => Object.hasOwn(this.#input.argv, n))) {
          this.#wake = undefined;
          resolve();
        }
      };
      this.#wake = check;
      check();
    });
  }

  /** Re-checks a pending `waitForArgv` (the session calls it when it closes). */
  wake(): void {
    this.#wake?.();
  }

  #openArgv(index: string, name: string): void {
    if (!this.#streams.open(index)) return;
    const live = this.#live;
    if (live !== undefined && !live.has(name) && !this.#required.includes(name)) {
      this.#send(encodeInstruction("ack", index, "Not allowed.", CLIENT_FORBIDDEN));
      return;
    }
    const parts: Uint8Array[] = [];
    this.#streams.handle(index, {
      blob: (data) => parts.push(fromBase64(data)),
      end: () => this.#takeArgv(name, textOf(parts)),
    });
    this.#send(encodeInstruction("ack", index, "Ready for updated parameter.", "0"));
  }

  #takeArgv(name: string, text: string): void {
    this.#input.argv[name] = text;
    if (this.#live?.has(name) === true) {
      this.#live.set(name, text);
      this.#sendArgv(name, text); // guacd echoes an accepted value
    }
    this.#wake?.();
  }

  #sendArgv(name: string, value: string): void {
    this.#send(
      concat(
        encodeInstruction("argv", ARGV_STREAM, "text/plain", name),
        encodeInstruction("blob", ARGV_STREAM, toBase64(new TextEncoder().encode(value))),
        encodeInstruction("end", ARGV_STREAM),
      ),
    );
  }
}

function textOf(parts: readonly Uint8Array[]): string {
  return new TextDecoder().decode(concat(...parts));
}
