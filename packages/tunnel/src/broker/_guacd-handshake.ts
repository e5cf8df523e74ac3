import { GuacamoleClientError } from "@guacstream/codec";
import {
  GUACAMOLE_STATUS,
  GuacamoleClient,
  GuacamoleStatusError,
  type GuacdDuplex,
} from "@guacstream/codec/client";
import { closeQuietly } from "../base/_close-quietly.ts";
import { TunnelError } from "../base/errors.ts";
import { type GuacdRoute, routeToGuacd } from "./_guacd-route.ts";
import type { AcceptTunnelOptions } from "./accept-tunnel-options.ts";
import type { ConnectionSettings } from "./settings.ts";

// guacd's connection ids are `$` and a UUID; anything else never reaches logs, files or labels.
const CONNECTION_ID = /^\$[A-Za-z0-9-]{1,64}$/;

/** A guacd connection past its handshake, ready for the bridge. */
export interface GuacdSession {
  /** The connection's bytes after guacd's `ready`. */
  readonly duplex: GuacdDuplex;
  readonly connectionId: string;
  /** The pool endpoint that holds it; `undefined` with a plain `connect`. */
  readonly endpoint: string | undefined;
  /** Milliseconds from the connect (or a join's registry lookup) to `ready`. */
  readonly handshakeMs: number;
  /** Ends the session's count on its endpoint (idempotent). */
  release(): void;
}

/**
 * The route and handshake phase: connects to the guacd the settings lead to and performs the
 * handshake, in one deadline; `browserGone` aborts it. On failure nothing is left open, and the
 * error's {@link failureStatus} is what the browser is told.
 */
export async function handshakeGuacd(
  settings: ConnectionSettings,
  options: AcceptTunnelOptions,
  browserGone: Promise<void>,
): Promise<GuacdSession> {
  const abort = new AbortController();
  void browserGone.then(() => abort.abort(new Error("The browser left or broke a bound")));
  const started = performance.now();
  const timeout = options.handshakeTimeout ?? 15000;
  let route: GuacdRoute | undefined;
  let guacd: GuacdDuplex | undefined;
  try {
    route = await routeToGuacd(settings, {
      connect: options.connect,
      pool: options.pool,
      sessions: options.sessions,
      timeout,
      signal: abort.signal,
    });
    guacd = route.duplex;
    const client = new GuacamoleClient(guacd, {
      echoSync: false,
      keepAliveInterval: 0,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });
    const { id } = await client.handshake({
      ...handshakeSettings(settings),
      // One deadline for the connect (and a pool's failover) and the handshake.
      timeout: Math.max(1, timeout - (performance.now() - started)),
      signal: abort.signal,
    });
    guacd = client.detach();
    if (!CONNECTION_ID.test(id)) {
      throw new TunnelError(
        "GUACD_FAILED",
        "Cannot use guacd's session: its connection id is malformed",
      );
    }
    const { endpoint, release } = route;
    const handshakeMs = performance.now() - started;
    return { duplex: guacd, connectionId: id, endpoint, handshakeMs, release };
  } catch (cause) {
    route?.release();
    if (guacd !== undefined) await closeQuietly(guacd);
    throw cause;
  }
}

/** The Guacamole status a failed route or handshake gives the browser. */
export function failureStatus(cause: unknown): number {
  if (cause instanceof TunnelError) return cause.status;
  if (cause instanceof GuacamoleStatusError) return cause.status;
  if (cause instanceof GuacamoleClientError) {
    switch (cause.code) {
      case "HANDSHAKE_TIMEOUT":
        return GUACAMOLE_STATUS.UPSTREAM_TIMEOUT;
      case "CONNECTION_CLOSED":
        return GUACAMOLE_STATUS.UPSTREAM_ERROR;
      case "ABORTED":
        return GUACAMOLE_STATUS.SUCCESS; // the browser left; nobody to tell
      default:
        return GUACAMOLE_STATUS.SERVER_ERROR; // the token's settings do not fit this guacd
    }
  }
  return GUACAMOLE_STATUS.UPSTREAM_ERROR;
}

function handshakeSettings(settings: ConnectionSettings): ConnectionSettings {
  // Only the fields the handshake knows; a token cannot smuggle in others.
  const out: ConnectionSettings = {};
  if (settings.protocol !== undefined) out.protocol = settings.protocol;
  if (settings.join !== undefined) out.join = settings.join;
  if (settings.readOnly !== undefined) out.readOnly = settings.readOnly;
  if (settings.parameters !== undefined) out.parameters = settings.parameters;
  if (settings.width !== undefined) out.width = settings.width;
  if (settings.height !== undefined) out.height = settings.height;
  if (settings.dpi !== undefined) out.dpi = settings.dpi;
  if (settings.audio !== undefined) out.audio = settings.audio;
  if (settings.video !== undefined) out.video = settings.video;
  if (settings.image !== undefined) out.image = settings.image;
  if (settings.timezone !== undefined) out.timezone = settings.timezone;
  if (settings.name !== undefined) out.name = settings.name;
  return out;
}
