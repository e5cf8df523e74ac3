import type { GuacamoleLimits, Instruction } from "@guacstream/codec";
import { runBridge } from "./_bridge.ts";
import { SocketAdapter } from "./_socket.ts";
import type { WebSocketLike } from "./websocket.ts";

/**
 * A guacd connection after the handshake: bytes both ways (e.g. `GuacamoleClient.detach()`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GuacdByteDuplex } from "@guacstream/tunnel";
 *
 * const pipe = new TransformStream<Uint8Array, Uint8Array>();
 * const duplex: GuacdByteDuplex = { readable: pipe.readable, writable: pipe.writable };
 * assert.ok(duplex.readable instanceof ReadableStream);
 * ```
 */
export interface GuacdByteDuplex {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/**
 * Options of {@link bridgeTunnel}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BridgeOptions, readOnlyFilter } from "@guacstream/tunnel";
 *
 * const options: BridgeOptions = { fromBrowser: [readOnlyFilter()], highWaterMark: 256 * 1024 };
 * assert.equal(options.fromBrowser?.length, 1);
 * ```
 */
export interface BridgeOptions {
  /**
   * The tunnel UUID sent to the browser first (guacamole-common-js's `tunnel.uuid`).
   * @default {crypto.randomUUID()}
   */
  uuid?: string;
  /**
   * Limits the browser's instructions are checked against before they reach guacd, and guacd's
   * output is framed with.
   * @default {DEFAULT_LIMITS}
   */
  limits?: Partial<GuacamoleLimits>;
  /** Filters for the browser → guacd direction, applied in order (e.g. {@link readOnlyFilter}). */
  fromBrowser?: readonly TransformStream<Instruction, Instruction>[];
  /**
   * Stages for the guacd → browser direction, applied in order to chunks of whole instructions
   * (e.g. a {@link SessionRecorderStream}; `InstructionDecoderStream` → instruction filters →
   * `InstructionEncoderStream` to filter instructions). Each output chunk becomes one message, so a
   * stage must emit whole instructions.
   */
  fromGuacd?: readonly TransformStream<Uint8Array, Uint8Array>[];
  /**
   * Bytes the WebSocket may hold unsent before the tunnel stops reading guacd; it resumes at half.
   * @default {1048576}
   */
  highWaterMark?: number;
  /**
   * Bytes of browser input held while guacd is slow. A socket with `pause()` is paused at this
   * point; any other is closed with CLIENT_OVERRUN at twice this.
   * @default {1048576}
   */
  maxInputBytes?: number;
  /** Ends the tunnel: both sides are closed, the WebSocket with 1001 (going away). */
  signal?: AbortSignal;
}

/**
 * How a tunnel ended: what {@link bridgeTunnel} resolves with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BridgeResult, closeCodeFor } from "@guacstream/tunnel";
 *
 * const result: BridgeResult = {
 *   initiator: "guacd", status: 0x0207, closeCode: closeCodeFor(0x0207),
 *   error: undefined, bytesToBrowser: 0, instructionsToGuacd: 0,
 * };
 * assert.equal(result.closeCode, 1011);
 * ```
 */
export interface BridgeResult {
  /** Who ended it: guacd (its socket ended), the browser (it closed), an error, or the signal. */
  readonly initiator: "guacd" | "browser" | "error" | "aborted";
  /** The Guacamole status the browser was told (0 for success; guacd's own `error` status). */
  readonly status: number;
  /** The WebSocket close code sent (or received, if the browser closed first). */
  readonly closeCode: number;
  /** What went wrong, if anything. */
  readonly error: Error | undefined;
  /** Bytes of guacd output sent to the browser. */
  readonly bytesToBrowser: number;
  /** Instructions from the browser forwarded to guacd (after filters). */
  readonly instructionsToGuacd: number;
}

/**
 * Bridges a browser's WebSocket (speaking guacamole-common-js's `Guacamole.WebSocketTunnel`
 * protocol) and a guacd connection that has finished its handshake:
 * - sends the tunnel UUID first (`0.,36.<uuid>;`), echoes each `0.,4.ping,<t>;`, and never
 *   forwards an internal (empty-opcode) instruction to guacd;
 * - frames guacd's output with `InstructionFrameStream` (coalesced: one message per run of whole
 *   instructions, never one split across messages);
 * - decodes each browser message with the codec's limits and refuses one that is malformed, over
 *   limit, binary, or ends inside an instruction;
 * - back-pressure both ways: guacd is read only while the WebSocket's `bufferedAmount` is under
 *   `highWaterMark`, and the browser is paused (or cut off) while guacd is slow;
 * - ends both sides together, closing the WebSocket with the code guacamole-client uses for the
 *   status (guacd's `error` instruction, or the fault) and the status as the reason.
 *
 * @example Bridge an in-memory socket to a fake guacd
 * ```ts
 * import assert from "node:assert/strict";
 * import { bridgeTunnel, type WebSocketEventLike, type WebSocketLike } from "@guacstream/tunnel";
 *
 * const sent: string[] = [];
 * const listeners = new Map<string, (event: WebSocketEventLike) => void>();
 * let closed: [number | undefined, string | undefined] | undefined;
 * const ws: WebSocketLike = {
 *   readyState: 1,
 *   bufferedAmount: 0,
 *   send: (data) => void sent.push(data),
 *   close: (code, reason) => {
 *     closed = [code, reason];
 *     listeners.get("close")?.({ type: "close", code: code ?? 1005, reason: reason ?? "" });
 *   },
 *   addEventListener: (type, listener) => void listeners.set(type, listener),
 * };
 * const guacd = {
 *   readable: ReadableStream.from([new TextEncoder().encode("4.size,1.0,4.1024,3.768;4.sync,1.1,1.1;10.disconnect;")]),
 *   writable: new WritableStream<Uint8Array>(),
 * };
 * const result = await bridgeTunnel(ws, guacd, { uuid: "0123" });
 * assert.deepEqual(sent, ["0.,4.0123;", "4.size,1.0,4.1024,3.768;4.sync,1.1,1.1;10.disconnect;"]);
 * assert.equal(result.initiator, "guacd");
 * assert.deepEqual(closed, [1000, "0"]);
 * ```
 */
export function bridgeTunnel(
  ws: WebSocketLike,
  guacd: GuacdByteDuplex,
  options: BridgeOptions = {},
): Promise<BridgeResult> {
  return runBridge(new SocketAdapter(ws), guacd, options);
}
