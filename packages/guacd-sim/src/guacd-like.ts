import { defaultResolveSession, type SessionContext, type SessionPlan } from "./plan.ts";
import type { GuacdSimulatorOptions } from "./simulator.ts";

/**
 * The plans of the guacd-like mode: a desktop that makes frames at its own pace, not a firehose.
 * VNC, RDP, telnet and kubernetes replay `vnc-desktop` by its recorded timestamps, over and over;
 * SSH replays `ssh-text` by its timestamps, over and over (a terminal that keeps printing),
 * echoes every key press (a drawn cell and a `sync`), and offers `color-scheme`, `font-name` and
 * `font-size` for change, as telnet and kubernetes do. Every protocol but VNC honours `size`. Refused upstreams and the error scenarios of {@linkcode defaultResolveSession}
 * stay as they are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guacdLikeResolveSession } from "@guacstream/guacd-sim";
 * const plan = guacdLikeResolveSession({ protocol: "ssh", joining: false, connectionId: "$x", params: {} });
 * assert.equal(plan.echoKeys, true);
 * assert.equal(plan.pace, "realtime");
 * ```
 */
export function guacdLikeResolveSession(ctx: SessionContext): SessionPlan {
  const plan = defaultResolveSession(ctx);
  if (ctx.joining || plan.error !== undefined) return plan;
  if (ctx.protocol === "ssh") {
    if (plan.recording !== "ssh-text") return plan;
    return {
      recording: "ssh-text",
      pace: "realtime",
      end: "loop",
      echoKeys: true,
      resize: true,
      liveArguments: terminalArguments(ctx.params),
    };
  }
  if (plan.recording === "vnc-required") return { ...plan, pace: "realtime" };
  const desktop: SessionPlan = { recording: "vnc-desktop", pace: "realtime", end: "loop" };
  if (ctx.protocol === "vnc") return desktop;
  if (ctx.protocol === "telnet" || ctx.protocol === "kubernetes") {
    return { ...desktop, resize: true, liveArguments: terminalArguments(ctx.params) };
  }
  return { ...desktop, resize: true };
}

/** What guacd's terminals offer for change, with the values the connection was given. */
function terminalArguments(params: Readonly<Record<string, string>>): Record<string, string> {
  return {
    "color-scheme": params["color-scheme"] ?? "",
    "font-name": params["font-name"] || "monospace",
    "font-size": params["font-size"] || "12",
  };
}

/** Settings of the guacd-like mode: how the simulator behaves, as guacd does under load. */
export interface GuacdLikeSettings {
  /** Sessions served at once; more are reset. @default 32 */
  readonly maxSessions?: number;
  /** Frames stop while the client is this far behind on `sync` (ms). @default 1000 */
  readonly throttleLagMs?: number;
  /** `error` 776 ("Aborted. See logs.") + `disconnect` after this long with nothing received. @default 15000 */
  readonly syncTimeoutMs?: number;
}

/**
 * Options that make the simulator as harsh as guacd under load: frames paced by the recording's
 * timestamps ({@linkcode guacdLikeResolveSession}), a client lagging on `sync` throttled and cut
 * with 776 after `syncTimeoutMs` of silence, connections beyond `maxSessions` reset, and key
 * presses echoed in SSH sessions. Spread them into {@linkcode GuacdSimulatorOptions}.
 *
 * @example A guacd-like simulator resets the connection past its cap
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacdSimulator, guacdLikeOptions } from "@guacstream/guacd-sim";
 * const sim = new GuacdSimulator({
 *   corpus: { args: {}, recordings: {} },
 *   ...guacdLikeOptions({ maxSessions: 1 }),
 * });
 * const open = () => {
 *   const toServer = new TransformStream<Uint8Array, Uint8Array>();
 *   const toClient = new TransformStream<Uint8Array, Uint8Array>();
 *   const done = sim.serve({ readable: toServer.readable, writable: toClient.writable });
 *   return { done, toClient };
 * };
 * const first = open();
 * const second = open();
 * assert.equal((await second.done).end?.reason, "over-capacity");
 * await assert.rejects(second.toClient.readable.getReader().read()); // reset, not closed
 * await sim.closeAll();
 * assert.equal((await first.done).end?.reason, "aborted");
 * ```
 */
export function guacdLikeOptions(
  settings: GuacdLikeSettings = {},
): Omit<GuacdSimulatorOptions, "corpus"> {
  return {
    pace: "realtime",
    resolveSession: guacdLikeResolveSession,
    maxSessions: settings.maxSessions ?? 32,
    overCapacity: "reset",
    throttleLagMs: settings.throttleLagMs ?? 1000,
    syncTimeoutMs: settings.syncTimeoutMs ?? 15000,
  };
}
