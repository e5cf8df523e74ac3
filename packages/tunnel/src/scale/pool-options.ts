import type { GuacdDuplex } from "@guacstream/codec/client";

/**
 * One guacd in a {@link GuacdPool}.
 */
export interface GuacdEndpoint {
  /**
   * Its name in metrics, events and the session registry: keep it the same on every broker. The
   * default is its place in the list, never its address (metrics and logs do not reveal where
   * guacd runs); set the id to the address yourself to label by it.
   * @default {`guacd-${index + 1}`}
   */
  readonly id?: string;
  /** guacd's host name or address. */
  readonly host: string;
  /** guacd's port (4822 by default in guacd). */
  readonly port: number;
  /**
   * Its share of new sessions relative to the others (a guacd host with twice the memory: 2).
   * @default {1}
   */
  readonly weight?: number;
  /** Free-form labels a token can require (e.g. `{ protocol: "rdp", region: "eu" }`). */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A pool endpoint with its defaults filled in: what `connect` and a {@link GuacdLease} see.
 */
export interface ResolvedEndpoint {
  /** Its name (given, or `guacd-<n>` from its place in the list). */
  readonly id: string;
  /** guacd's host name or address. */
  readonly host: string;
  /** guacd's port. */
  readonly port: number;
  /** Its share of new sessions (1 unless given). */
  readonly weight: number;
  /** Its labels (none unless given). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Where an endpoint stands: `up` takes new sessions; `draining` takes none (joins to its running
 * sessions still reach it); `down` failed its health checks (or `fall` connects in a row).
 */
export type EndpointState = "up" | "down" | "draining";

/**
 * A snapshot of one endpoint, from {@link GuacdPool.endpoints}.
 */
export interface EndpointStatus extends ResolvedEndpoint {
  /** Whether it takes new sessions. */
  readonly state: EndpointState;
  /** Sessions this broker holds open on it (leases not yet released). */
  readonly active: number;
  /** Failed connects or checks in a row. */
  readonly failures: number;
  /** The last connect or check failure's message. */
  readonly lastError: string | undefined;
}

/**
 * What a session asks of its guacd: labels the endpoint must carry (all of them, equal values),
 * or one endpoint by id (a join must reach the guacd that holds the connection).
 */
export interface EndpointConstraints {
  /** Labels the endpoint must carry, each with the same value. */
  readonly labels?: Readonly<Record<string, string>>;
  /** This endpoint only; it may be draining (a join to a running session), not down. */
  readonly endpoint?: string;
}

/**
 * How a {@link GuacdPool} picks among the endpoints that fit: `least-sessions` (fewest active
 * sessions per unit of weight, ties to the first listed) or `weighted-round-robin` (smooth: an
 * endpoint of weight 2 gets two of every three sessions against one of weight 1, interleaved).
 */
export type PoolStrategy = "least-sessions" | "weighted-round-robin";

/**
 * Checks that a fresh connection is a working guacd (e.g. {@link selectProbe}); rejects if not.
 * The pool closes the connection afterwards.
 */
export type GuacdProbe = (duplex: GuacdDuplex, signal: AbortSignal) => Promise<void>;

/**
 * Health checks of a {@link GuacdPool}: every `interval`, each endpoint gets a connect (and the
 * `probe`, if any) within `timeout`. `fall` failures in a row take it out; `rise` successes in a
 * row bring it back. Failed session connects count as failures too.
 */
export interface HealthCheckOptions {
  /** Milliseconds between rounds. @default {5000} */
  readonly interval?: number;
  /** Milliseconds for one check (connect and probe). @default {2000} */
  readonly timeout?: number;
  /** Failures in a row that take an endpoint out. @default {2} */
  readonly fall?: number;
  /** Successes in a row that bring it back. @default {2} */
  readonly rise?: number;
  /** Checks more than the TCP connect (e.g. {@link selectProbe}). */
  readonly probe?: GuacdProbe;
}

/**
 * A change of an endpoint's {@link EndpointState}, for logs and alerts.
 */
export interface EndpointStateChange {
  /** The endpoint's id. */
  readonly endpoint: string;
  /** The state before. */
  readonly from: EndpointState;
  /** The state now. */
  readonly to: EndpointState;
  /** The failure that took it down. */
  readonly error?: Error;
}

/**
 * Options of {@link GuacdPool}.
 */
export interface GuacdPoolOptions {
  /** The guacd endpoints, at least one; ids must be unique. */
  readonly endpoints: readonly GuacdEndpoint[];
  /**
   * Opens a byte connection to one endpoint (e.g. `connect` of `@guacstream/transport-node`);
   * must give up when `signal` aborts.
   */
  readonly connect: (
    endpoint: ResolvedEndpoint,
    options: { readonly signal: AbortSignal; readonly timeout: number },
  ) => Promise<GuacdDuplex>;
  /** How an endpoint is picked for a new session. @default {"least-sessions"} */
  readonly strategy?: PoolStrategy;
  /**
   * Health checks, which run once {@link GuacdPool.start} is called; `false` never marks an
   * endpoint down (a failed connect still moves on to the next one).
   * @default {{}}
   */
  readonly health?: HealthCheckOptions | false;
  /** Called when an endpoint changes state. */
  readonly onStateChange?: (change: EndpointStateChange) => void;
}

/**
 * A guacd connection taken from a {@link GuacdPool}: call `release()` when the session ends (it
 * counts as active on its endpoint until then). Releasing twice is harmless.
 */
export interface GuacdLease {
  /** The endpoint connected to. */
  readonly endpoint: ResolvedEndpoint;
  /** The connection to it. */
  readonly duplex: GuacdDuplex;
  /** Endpoints attempted, the last one being `endpoint`. */
  readonly tried: readonly string[];
  /** Stops counting the session as active on its endpoint (call when it ends). */
  release(): void;
}
