/**
 * The Guacamole handshake written by hand, for the bench's floors (a bare socket, the transport
 * without the client). Runtime-free, so the Deno bench shares it. It takes the same round trips as
 * `GuacamoleClient`: `select`, wait for `args`, send `size`…`connect`, wait for `ready`.
 */
import { encodeInstruction, type Instruction, InstructionDecoder } from "@guacstream/codec";

/** What a bench session asks guacd for: the protocol and its connection parameters. */
export interface SessionRequest {
  readonly protocol: string;
  readonly parameters: Readonly<Record<string, string>>;
}

const encoder = new TextEncoder();

/** `select,<protocol>;` */
export function selectBytes(request: SessionRequest): Uint8Array {
  return encoder.encode(encodeInstruction({ opcode: "select", args: [request.protocol] }));
}

/**
 * `size`, `audio`, `video`, `image`, `timezone` and `connect` for guacd's `args`: the version
 * echoed as the client's (1.5.0, as `GuacamoleClient` negotiates), every other value by name, "" if
 * not given.
 */
export function restBytes(args: readonly string[], request: SessionRequest): Uint8Array {
  const values = args.map((name, i) => {
    if (i === 0 && name.startsWith("VERSION_")) return "VERSION_1_5_0";
    return request.parameters[name] ?? "";
  });
  const instructions: Instruction[] = [
    { opcode: "size", args: ["1024", "768", "96"] },
    { opcode: "audio", args: [] },
    { opcode: "video", args: [] },
    { opcode: "image", args: ["image/png", "image/jpeg", "image/webp"] },
    { opcode: "timezone", args: ["UTC"] },
    { opcode: "connect", args: values },
  ];
  return encoder.encode(instructions.map((i) => encodeInstruction(i)).join(""));
}

/**
 * Watches guacd's first bytes for `args` and `ready`. Feed every chunk; `args` and `ready` fill in
 * as they arrive; `error` is guacd's refusal, if any.
 */
export class HandshakeWatcher {
  args: readonly string[] | undefined;
  ready: string | undefined;
  error: string | undefined;
  readonly #decoder = new InstructionDecoder((i) => {
    if (i.opcode === "args") this.args = i.args;
    else if (i.opcode === "ready") this.ready = i.args[0] ?? "";
    else if (i.opcode === "error") this.error = i.args.join(" ");
  });

  /** Feeds a chunk; only call it until `ready` is seen (the rest of the session is not decoded). */
  push(chunk: Uint8Array): void {
    this.#decoder.push(chunk);
    if (this.error !== undefined) {
      throw new Error(`Cannot complete the handshake: guacd sent error ${this.error}`);
    }
  }
}

/** The `hostname` that asks the bench's simulator (`sim-child.ts`) for an idle session. */
export const HOLD_HOSTNAME = "bench-hold";
/** What the bench's simulator replays to every other session. */
export const REPLAY_RECORDING = "vnc-desktop";
