// The handshake as guacd reads it: `select`, then the recorded `args`, then the optional
// instructions in any order until `connect`. Each failure ends the way guacd's does: before `args`
// the socket is closed (by guacd's parent), after it held open in silence (guacd's child is gone).

import { GUACAMOLE_STATUS } from "@guacstream/codec/client";
import type { ClientReader } from "./_client-reader.ts";
import type { ClientWriter } from "./_client-writer.ts";
import type { LiveConnection, SessionHost } from "./_session.ts";
import { encodeInstruction, type WireInstruction } from "./_wire.ts";
import type { EndReason, SessionReport } from "./report.ts";

/** The instructions guacd's handshake reads between `args` and `connect`. */
const HANDSHAKE_OPCODES = new Set(["size", "audio", "video", "image", "timezone", "name"]);
const NO_SUCH_CONNECTION = encodeInstruction(
  "error",
  "No such connection.",
  String(GUACAMOLE_STATUS.RESOURCE_NOT_FOUND),
);

/** How a handshake ended. */
export type HandshakeOutcome =
  | {
      readonly kind: "connect";
      readonly protocol: string;
      /** The connection the client joins with `select,$id`, if it joins one. */
      readonly joined: LiveConnection | undefined;
      /** The parameter names of `args`, in order. */
      readonly names: readonly string[];
      readonly connect: WireInstruction;
    }
  /** The client closed first. */
  | { readonly kind: "eof" }
  /** Closed at once, after `final` if any. */
  | { readonly kind: "close"; readonly reason: EndReason; readonly final?: Uint8Array }
  /** guacd's child gave up after `args`: the socket is held open in silence. */
  | { readonly kind: "hold"; readonly reason: EndReason };

/** Reads one client's handshake into its report. */
export class Handshake {
  readonly #reader: ClientReader;
  readonly #writer: ClientWriter;
  readonly #host: SessionHost;
  readonly #report: SessionReport;
  readonly #timeoutMs: number;

  /** `timeoutMs`: how long each instruction may take to arrive. */
  constructor(
    reader: ClientReader,
    writer: ClientWriter,
    host: SessionHost,
    report: SessionReport,
    timeoutMs: number,
  ) {
    this.#reader = reader;
    this.#writer = writer;
    this.#host = host;
    this.#report = report;
    this.#timeoutMs = timeoutMs;
  }

  async run(): Promise<HandshakeOutcome> {
    const first = await this.#reader.next(this.#timeoutMs);
    if (first === "eof") return { kind: "eof" };
    if (first === "timeout") return { kind: "close", reason: "handshake-timeout" };
    if (first === "malformed") return { kind: "close", reason: "malformed" };
    if (first.opcode !== "select") return { kind: "close", reason: "not-select" };
    const selected = first.args[0] ?? "";
    this.#report.select = selected;

    let protocol = selected;
    let joined: LiveConnection | undefined;
    if (selected.startsWith("$")) {
      joined = this.#host.connection(selected);
      if (joined === undefined) {
        return { kind: "close", reason: "no-such-connection", final: NO_SUCH_CONNECTION };
      }
      protocol = joined.protocol;
      this.#report.joined = selected;
    }
    this.#report.protocol = protocol;
    const args = this.#host.args(protocol);
    if (args === undefined) return { kind: "hold", reason: "unknown-protocol" };
    this.#writer.send(args);
    const names = this.#host.argNames(protocol, args);

    const connect = await this.#untilConnect();
    if ("kind" in connect) return connect;
    return { kind: "connect", protocol, joined, names, connect };
  }

  /** Records the optional instructions until `connect`. */
  async #untilConnect(): Promise<WireInstruction | HandshakeOutcome> {
    const report = this.#report;
    for (;;) {
      const next = await this.#reader.next(this.#timeoutMs);
      if (next === "eof") return { kind: "eof" };
      if (next === "timeout") return { kind: "hold", reason: "handshake-timeout" };
      if (next === "malformed") return { kind: "hold", reason: "handshake-failed" };
      if (next.opcode === "connect") return next;
      report.handshake.push({ opcode: next.opcode, args: next.args });
      if (!HANDSHAKE_OPCODES.has(next.opcode)) continue;
      if (next.opcode === "timezone") report.timezone = next.args[0] ?? "";
      else if (next.opcode === "name") report.name = next.args[0] ?? "";
      else report[next.opcode as "size" | "audio" | "video" | "image"] = next.args;
    }
  }
}
