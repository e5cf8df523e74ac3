import { closeCodeFor } from "../base/close.ts";
import { TunnelError } from "../base/errors.ts";
import type { WebSocketLike } from "../base/websocket.ts";
import { Bridge } from "../bridge/_bridge.ts";
import type { BridgeResult } from "../bridge/result.ts";
import { failureStatus, type GuacdSession, handshakeGuacd } from "./_guacd-handshake.ts";
import { registerSession, runTunnel } from "./_run-tunnel.ts";
import { grantOf, type TunnelGrant } from "./_tunnel-settings.ts";
import type { AcceptTunnelOptions } from "./accept-tunnel-options.ts";
import type { TunnelEvent, TunnelInfo } from "./tunnel-event.ts";

/**
 * Serves one browser tunnel from start to end: reads the token from the tunnel URL's `token`
 * query field, opens it (refusing a missing, forged, tampered, expired or replayed one with a
 * close code and no guacd connection), merges the browser's allowed settings, connects to guacd,
 * performs the handshake with `GuacamoleClient`, then runs {@link bridgeTunnel} on the raw
 * connection. Call it synchronously when the WebSocket is accepted, so no early message is lost.
 *
 * @example A forged token is refused before guacd is contacted
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptTunnel, generateTokenSecret, importTokenKey, sealToken, type WebSocketLike } from "@guacstream/tunnel";
 *
 * let closed: [number | undefined, string | undefined] | undefined;
 * const ws: WebSocketLike = {
 *   readyState: 1,
 *   bufferedAmount: 0,
 *   send: () => {},
 *   close: (code, reason) => void (closed = [code, reason]),
 *   addEventListener: () => {},
 * };
 * let connects = 0;
 * const forged = await sealToken(await importTokenKey(generateTokenSecret()), { protocol: "vnc" });
 * const result = await acceptTunnel(ws, `ws://broker/tunnel?token=${forged}`, {
 *   key: await importTokenKey(generateTokenSecret()),
 *   connect: async () => {
 *     connects++;
 *     throw new Error("unreachable");
 *   },
 * });
 * assert.equal(connects, 0);
 * assert.deepEqual(closed, [1008, "769 Token invalid"]);
 * assert.equal(result.initiator, "error");
 * ```
 */
export async function acceptTunnel(
  ws: WebSocketLike,
  url: string | URL,
  options: AcceptTunnelOptions,
): Promise<BridgeResult> {
  const bridge = new Bridge(ws, options);
  const onEvent = options.onEvent;
  const emit = (event: TunnelEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // A logger's fault must not end the tunnel (nor the process).
    }
  };
  try {
    return await serveTunnel(bridge, url, options, emit);
  } catch (cause) {
    // Not reached by design; if a callback or a bug throws, the browser gets a fixed text.
    const error = new TunnelError("INTERNAL", "Cannot serve tunnel: the broker failed", { cause });
    return refuseTunnel(bridge, error, emit);
  }
}

/** The four phases of a tunnel: token, route and handshake, register, bridge. */
async function serveTunnel(
  bridge: Bridge,
  url: string | URL,
  options: AcceptTunnelOptions,
  emit: (event: TunnelEvent) => void,
): Promise<BridgeResult> {
  if (options.refusal !== undefined) return refuseTunnel(bridge, options.refusal, emit);
  let grant: TunnelGrant;
  try {
    grant = await grantOf(url, options);
  } catch (cause) {
    return refuseTunnel(bridge, cause as TunnelError, emit);
  }
  let guacd: GuacdSession;
  try {
    guacd = await handshakeGuacd(grant.settings, options, bridge.browserGone);
  } catch (cause) {
    // The browser's own fault (too much input, too fast) closed it during the handshake.
    const fault = bridge.browserFault;
    const status = fault?.status ?? failureStatus(cause);
    const error = fault ?? (cause instanceof Error ? cause : new Error(String(cause)));
    emit({ type: "failed", status, closeCode: closeCodeFor(status), error });
    const reason = error instanceof TunnelError ? error.closeReason : String(status);
    return bridge.refuse(status, reason, error);
  }
  const info: TunnelInfo = {
    uuid: crypto.randomUUID(),
    tokenId: grant.tokenId,
    connectionId: guacd.connectionId,
    settings: grant.settings,
    ...(guacd.endpoint === undefined ? {} : { endpoint: guacd.endpoint }),
  };
  const release = registerSession(info, guacd, options.sessions);
  return runTunnel(bridge, guacd, info, options, emit, release);
}

/** Refuses a tunnel before guacd is reached: the event carries the detail, the browser a fixed text. */
function refuseTunnel(
  bridge: Bridge,
  error: TunnelError,
  emit: (event: TunnelEvent) => void,
): Promise<BridgeResult> {
  emit({
    type: "refused",
    code: error.code,
    status: error.status,
    closeCode: error.closeCode,
    error,
  });
  return bridge.refuse(error.status, error.closeReason, error);
}
