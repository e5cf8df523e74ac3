import type { GuacdDuplex } from "@guacstream/codec/client";
import type { WebSocketLike } from "../base/websocket.ts";
import { Bridge } from "./_bridge.ts";
import type { BridgeOptions } from "./options.ts";
import type { BridgeResult } from "./result.ts";

/**
 * Bridges a browser's WebSocket (speaking guacamole-common-js's `Guacamole.WebSocketTunnel`
 * protocol) and a guacd connection that has finished its handshake:
 * - sends the tunnel UUID first (`0.,36.<uuid>;`), echoes each `0.,4.ping,<t>;`, and never
 *   forwards an internal (empty-opcode) instruction to guacd;
 * - frames guacd's output with `InstructionFrameStream` (coalesced: one message per run of whole
 *   instructions, never one split across messages);
 * - frames each browser message with the codec's scanner and limits, on its bytes, and refuses one
 *   that is malformed, over limit, binary, or ends inside an instruction; the validated bytes go
 *   to guacd as they are (decoded only for `fromBrowser` filters);
 * - bounds the browser: instructions per message, messages per second, one byte budget for its
 *   input at every phase, an idle timeout; over a bound, this tunnel closes with a clear code;
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
  guacd: GuacdDuplex,
  options: BridgeOptions = {},
): Promise<BridgeResult> {
  return new Bridge(ws, options).run(guacd);
}
