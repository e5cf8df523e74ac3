import type { GuacdDuplex } from "@guacstream/codec/client";
import { TunnelError } from "../base/errors.ts";
import type { GuacdPool } from "../scale/pool.ts";
import type { EndpointConstraints } from "../scale/pool-options.ts";
import type { SessionRecord } from "../scale/registry.ts";
import type { SessionDirectory } from "../scale/session-directory.ts";
import type { ConnectionSettings } from "./settings.ts";

/** Where a tunnel's guacd connection came from, and how to give it back. */
export interface GuacdRoute {
  readonly duplex: GuacdDuplex;
  /** The pool endpoint's id; `undefined` with a plain `connect`. */
  readonly endpoint: string | undefined;
  /** Ends the session's count on its endpoint (idempotent). */
  release(): void;
}

export interface RouteOptions {
  readonly connect?: ((settings: ConnectionSettings) => Promise<GuacdDuplex>) | undefined;
  readonly pool?: GuacdPool | undefined;
  readonly sessions?: SessionDirectory | undefined;
  /** Milliseconds for the connect (a pool tries endpoints until then). */
  readonly timeout: number;
  readonly signal: AbortSignal;
}

/**
 * Connects a tunnel to its guacd: the one `connect` gives, or, with a pool, the endpoint that
 * holds the connection to join (from the session registry) or the best one for a new session
 * (token labels narrow it). Throws {@link TunnelError}: `JOIN_NOT_FOUND` (no such connection),
 * `REGISTRY_UNAVAILABLE` (the registry cannot answer a join), `GUACD_UNREACHABLE`.
 */
export async function routeToGuacd(
  settings: ConnectionSettings,
  options: RouteOptions,
): Promise<GuacdRoute> {
  const pool = options.pool;
  if (pool === undefined) {
    if (options.connect === undefined) {
      throw new TunnelError(
        "INTERNAL",
        "Cannot connect to guacd: acceptTunnel has no connect or pool",
      );
    }
    try {
      return { duplex: await options.connect(settings), endpoint: undefined, release: () => {} };
    } catch (cause) {
      throw new TunnelError("GUACD_UNREACHABLE", "Cannot connect to guacd", { cause });
    }
  }
  let constraints: EndpointConstraints = {};
  if (settings.join !== undefined) {
    const record = await lookup(settings.join, options.sessions);
    constraints = { endpoint: record.endpoint };
  } else if (settings.labels !== undefined) {
    constraints = { labels: settings.labels };
  }
  try {
    const lease = await pool.connect(constraints, {
      timeout: options.timeout,
      signal: options.signal,
    });
    return { duplex: lease.duplex, endpoint: lease.endpoint.id, release: () => lease.release() };
  } catch (cause) {
    throw new TunnelError("GUACD_UNREACHABLE", "Cannot connect to guacd", { cause });
  }
}

async function lookup(
  connectionId: string,
  sessions: SessionDirectory | undefined,
): Promise<SessionRecord> {
  if (sessions === undefined) {
    throw new TunnelError("JOIN_NOT_FOUND", "Cannot join: no session registry to find it in");
  }
  let record: SessionRecord | undefined;
  try {
    record = await sessions.lookup(connectionId);
  } catch (cause) {
    throw new TunnelError("REGISTRY_UNAVAILABLE", "Cannot join: the session registry failed", {
      cause,
    });
  }
  if (record === undefined) {
    throw new TunnelError("JOIN_NOT_FOUND", "Cannot join: no broker registered the connection");
  }
  return record;
}
