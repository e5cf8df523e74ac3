import type { Instruction } from "../wire/instruction.ts";

/**
 * What to ask guacd for in `GuacamoleClient.handshake`.
 *
 * @example A VNC session at full HD, sharing a name with other viewers
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HandshakeOptions } from "@guacstream/codec/client";
 *
 * const options: HandshakeOptions = {
 *   protocol: "vnc",
 *   parameters: { hostname: "desktop.example", port: 5900, password: "secret" },
 *   width: 1920,
 *   height: 1080,
 *   image: ["image/webp", "image/png"],
 *   name: "Ada",
 *   timeout: 10_000,
 * };
 * assert.equal(options.parameters?.port, 5900);
 * ```
 */
export interface HandshakeOptions {
  /** The protocol to connect with (`"vnc"`, `"rdp"`, `"ssh"`, `"telnet"`, `"kubernetes"`). */
  protocol?: string;
  /** Instead of `protocol`: the ID (`$…`) of a running connection to join. */
  join?: string;
  /** Join read-only: sets the `read-only` parameter to `"true"`. @default {false} */
  readOnly?: boolean;
  /** Connection parameters by name; each must be one guacd lists in `args`. @default {{}} */
  parameters?: Readonly<Record<string, string | number | boolean>>;
  /** Display width in pixels. @default {1024} */
  width?: number;
  /** Display height in pixels. @default {768} */
  height?: number;
  /** Display resolution in DPI. @default {96} */
  dpi?: number;
  /** Audio mimetypes the client can play. @default {[]} */
  audio?: readonly string[];
  /** Video mimetypes the client can play. @default {[]} */
  video?: readonly string[];
  /** Image mimetypes the client can show. @default {["image/png", "image/jpeg", "image/webp"]} */
  image?: readonly string[];
  /** IANA time zone (protocol 1.1.0+). @default {the runtime's own} */
  timezone?: string;
  /** The user's name, shown to others sharing the connection (protocol 1.3.0+). */
  name?: string;
  /** Milliseconds to wait for the whole handshake. @default {15000} */
  timeout?: number;
  /** Aborts the handshake and closes the connection. */
  signal?: AbortSignal;
}

/**
 * What the handshake settled.
 */
export interface HandshakeResult {
  /** The connection ID from `ready` (`$…`), which others can join. */
  readonly id: string;
  /** The protocol version both sides speak; `undefined` for a guacd that names none. */
  readonly protocolVersion: string | undefined;
  /** The connection parameters guacd listed, in the order `connect` sent them. */
  readonly parameterNames: readonly string[];
  /** The `connect` instruction that was sent. */
  readonly connect: Instruction;
}
