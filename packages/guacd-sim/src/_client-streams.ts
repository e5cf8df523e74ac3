// The streams a client opens toward the simulator (clipboard, file, pipe, argv), and the connection
// parameters guacd lets a client change while connected (`argv` after the handshake).

import { concat, fromBase64, toBase64 } from "./_bytes.ts";
import type { SessionReport } from "./report.ts";
import { encodeInstruction } from "./wire.ts";

/** The stream index the simulator sends its own `argv` streams on. */
const ARGV_STREAM = "62";

interface InboundStream {
  readonly kind: string;
  readonly name: string;
  readonly parts: Uint8Array[];
}

/**
 * Collects what a client sends on its streams into the session's report, acks each blob as guacd
 * does, and answers `argv` the way guacd does: a value for a name it offered (or asked for with
 * `required`) is accepted and echoed, any other name is refused with 771.
 */
export class ClientStreams {
  readonly #input: SessionReport["input"];
  readonly #send: (bytes: Uint8Array) => void;
  readonly #streams = new Map<string, InboundStream>();
  #live: Map<string, string> | undefined;
  #required: readonly string[] = [];
  #wake: (() => void) | undefined;

  constructor(input: SessionReport["input"], send: (bytes: Uint8Array) => void) {
    this.#input = input;
    this.#send = send;
  }

  /** Handles a stream instruction; `false` for any other opcode. */
  handle(opcode: string, args: readonly string[]): boolean {
    switch (opcode) {
      case "clipboard":
      case "file":
      case "pipe":
        this.#streams.set(args[0] ?? "", { kind: opcode, name: args[1] ?? "", parts: [] });
        return true;
      case "argv":
        this.#openArgv(args[0] ?? "", args[2] ?? "");
        return true;
      case "blob":
        this.#blob(args[0] ?? "", args[1] ?? "");
        return true;
      case "end":
        this.#end(args[0] ?? "");
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
    const live = this.#live;
    if (live !== undefined && !live.has(name) && !this.#required.includes(name)) {
      this.#send(encodeInstruction("ack", index, "Not allowed.", "771"));
      return;
    }
    this.#streams.set(index, { kind: "argv", name, parts: [] });
    this.#send(encodeInstruction("ack", index, "Ready for updated parameter.", "0"));
  }

  #blob(index: string, data: string): void {
    const stream = this.#streams.get(index);
    if (stream === undefined) {
      this.#send(encodeInstruction("ack", index, "File transfer unsupported", "256"));
      return;
    }
    stream.parts.push(fromBase64(data));
    if (stream.kind !== "argv") this.#send(encodeInstruction("ack", index, "OK", "0"));
  }

  #end(index: string): void {
    const stream = this.#streams.get(index);
    if (stream === undefined) return;
    this.#streams.delete(index);
    const text = new TextDecoder().decode(concat(...stream.parts));
    if (stream.kind === "clipboard") this.#input.clipboard.push(text);
    else if (stream.kind === "argv") {
      this.#input.argv[stream.name] = text;
      if (this.#live?.has(stream.name) === true) {
        this.#live.set(stream.name, text);
        this.#sendArgv(stream.name, text); // guacd echoes an accepted value
      }
      this.#wake?.();
    }
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
