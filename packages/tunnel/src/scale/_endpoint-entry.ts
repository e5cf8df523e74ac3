import type { EndpointState, EndpointStatus, ResolvedEndpoint } from "./pool-options.ts";

/** A pool's live record of one endpoint: what picking and the health checks read and update. */
export interface EndpointEntry {
  readonly endpoint: ResolvedEndpoint;
  healthy: boolean;
  draining: boolean;
  active: number;
  failures: number;
  successes: number;
  lastError: string | undefined;
  /** Smooth weighted round robin's running score. */
  current: number;
}

/** An entry for `endpoint`: up, idle, with no failures. */
export function newEntry(endpoint: ResolvedEndpoint): EndpointEntry {
  return {
    endpoint,
    healthy: true,
    draining: false,
    active: 0,
    failures: 0,
    successes: 0,
    lastError: undefined,
    current: 0,
  };
}

/** Down (failed its checks) wins over draining, which wins over up. */
export function stateOf(entry: EndpointEntry): EndpointState {
  return !entry.healthy ? "down" : entry.draining ? "draining" : "up";
}

/** A snapshot of an entry, for callers outside the pool. */
export function statusOf(entry: EndpointEntry): EndpointStatus {
  return {
    ...entry.endpoint,
    state: stateOf(entry),
    active: entry.active,
    failures: entry.failures,
    lastError: entry.lastError,
  };
}
