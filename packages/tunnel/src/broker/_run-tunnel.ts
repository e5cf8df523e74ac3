import type { Instruction } from "@guacstream/codec";
import { closeQuietly } from "../base/_close-quietly.ts";
import { TunnelError } from "../base/errors.ts";
import type { Bridge } from "../bridge/_bridge.ts";
import type { BridgeResult } from "../bridge/result.ts";
import type { SessionDirectory } from "../scale/session-directory.ts";
import type { GuacdSession } from "./_guacd-handshake.ts";
import type { AcceptTunnelOptions } from "./accept-tunnel-options.ts";
import { SessionRecorderStream } from "./recorder.ts";
import type { TunnelEvent, TunnelInfo } from "./tunnel-event.ts";

/**
 * The register phase: a new connection on a pool endpoint goes into the session registry without
 * the tunnel waiting for the store (an outage never stops a fresh session). Returns what ends the
 * session's hold: the endpoint's count and the registry entry.
 */
export function registerSession(
  info: TunnelInfo,
  guacd: GuacdSession,
  sessions: SessionDirectory | undefined,
): () => void {
  const { endpoint, connectionId } = info;
  const registered = endpoint !== undefined && info.settings.join === undefined && sessions;
  if (registered) {
    const protocol = info.settings.protocol ?? "";
    void registered.add({ connectionId, endpoint, protocol, openedAt: Date.now() });
  }
  return () => {
    guacd.release();
    if (registered) void registered.remove(connectionId);
  };
}

/**
 * The bridge phase: the tunnel's filters and recorder from the broker's callbacks, then the bridge
 * until either side ends. A callback that throws refuses the tunnel; the recorder is closed at the
 * end. Emits `open` and `closed` (or `failed`); calls `release` once the session is over.
 */
export async function runTunnel(
  bridge: Bridge,
  guacd: GuacdSession,
  info: TunnelInfo,
  options: AcceptTunnelOptions,
  emit: (event: TunnelEvent) => void,
  release: () => void,
): Promise<BridgeResult> {
  let fromBrowser: TransformStream<Instruction, Instruction>[];
  let recorder: SessionRecorderStream | undefined;
  try {
    fromBrowser = [...(options.fromBrowser ?? []), ...(options.filters?.(info) ?? [])];
    const sink = options.record?.(info);
    recorder =
      sink === undefined || sink instanceof SessionRecorderStream
        ? sink
        : new SessionRecorderStream(sink);
    // Keys reach the recording as guacd's recording-include-keys puts them (off by default).
    if (recorder?.includeKeys === true) fromBrowser.push(recorder.keyTap());
  } catch (cause) {
    const error = new TunnelError("INTERNAL", "Cannot set up tunnel: a broker callback failed", {
      cause,
    });
    emit({ type: "failed", status: error.status, closeCode: error.closeCode, error });
    await closeQuietly(guacd.duplex);
    release();
    return bridge.refuse(error.status, error.closeReason, error);
  }
  emit({ type: "open", info, handshakeMs: guacd.handshakeMs, traffic: bridge.traffic });
  const result = await bridge.run(guacd.duplex, {
    uuid: info.uuid,
    readOnly: info.settings.readOnly === true || options.readOnly === true,
    fromBrowser,
    fromGuacd: [...(options.fromGuacd ?? []), ...(recorder === undefined ? [] : [recorder])],
  });
  release();
  if (recorder !== undefined) await recorder.close().catch(() => {});
  emit({ type: "closed", info, result });
  return result;
}
