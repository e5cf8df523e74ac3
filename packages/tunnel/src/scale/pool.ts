import type { GuacdDuplex } from "@guacstream/codec/client";
import { type EndpointEntry, newEntry, stateOf, statusOf } from "./_endpoint-entry.ts";
import { HealthChecks } from "./_health-checks.ts";
import { pickEndpoint } from "./_pick-endpoint.ts";
import { PoolError } from "./pool-error.ts";
import type {
  EndpointConstraints,
  EndpointState,
  EndpointStateChange,
  EndpointStatus,
  GuacdLease,
  GuacdPoolOptions,
  PoolStrategy,
  ResolvedEndpoint,
} from "./pool-options.ts";

/**
 * Several guacd behind one broker: picks an endpoint for each new session (least sessions by
 * default, or weighted round robin; labels from the token narrow the choice), fails over to the
 * next endpoint when a connect fails, within one deadline, and keeps endpoints' health (connect
 * checks, optionally a {@link selectProbe}). Runtime-agnostic: it connects through the function
 * it is given.
 *
 * @example Sessions spread by least sessions; a failed guacd is skipped
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuacdPool } from "@guacstream/tunnel";
 *
 * const pipe = () => { const t = new TransformStream<Uint8Array, Uint8Array>(); return { readable: t.readable, writable: t.writable }; };
 * const pool = new GuacdPool({
 *   endpoints: [{ id: "a", host: "10.0.0.1", port: 4822 }, { id: "b", host: "10.0.0.2", port: 4822 }, { id: "dead", host: "10.0.0.3", port: 4822 }],
 *   connect: async (endpoint) => {
 *     if (endpoint.id === "dead") throw new Error("ECONNREFUSED");
 *     return pipe();
 *   },
 * });
 * const leases = [];
 * for (let i = 0; i < 4; i++) leases.push(await pool.connect());
 * assert.deepEqual(leases.map((l) => l.endpoint.id), ["a", "b", "a", "b"]);
 * assert.deepEqual(pool.endpoints.map((e) => e.active), [2, 2, 0]);
 * leases[0]!.release();
 * assert.equal(pool.endpoint("a")?.active, 1);
 * ```
 */
export class GuacdPool {
  readonly #entries: EndpointEntry[];
  readonly #byId = new Map<string, EndpointEntry>();
  readonly #connect: GuacdPoolOptions["connect"];
  readonly #strategy: PoolStrategy;
  readonly #health: HealthChecks;
  readonly #onStateChange: ((change: EndpointStateChange) => void) | undefined;

  /** A pool of `options.endpoints`, all up until checked; call `start()` for health checks. */
  constructor(options: GuacdPoolOptions) {
    this.#connect = options.connect;
    this.#strategy = options.strategy ?? "least-sessions";
    this.#onStateChange = options.onStateChange;
    if (options.endpoints.length === 0) {
      throw new RangeError("Cannot create pool: it has no endpoints");
    }
    this.#entries = options.endpoints.map((e, index) => {
      const weight = e.weight ?? 1;
      if (!(weight > 0) || !Number.isFinite(weight)) {
        throw new RangeError(`Cannot create pool: weight ${weight} is not positive`);
      }
      const endpoint: ResolvedEndpoint = Object.freeze({
        id: e.id ?? `guacd-${index + 1}`,
        host: e.host,
        port: e.port,
        weight,
        labels: Object.freeze({ ...e.labels }),
      });
      if (this.#byId.has(endpoint.id)) {
        throw new RangeError(`Cannot create pool: endpoint id ${endpoint.id} is listed twice`);
      }
      const entry = newEntry(endpoint);
      this.#byId.set(endpoint.id, entry);
      return entry;
    });
    this.#health = new HealthChecks(
      this.#entries,
      this.#connect,
      options.health ?? {},
      (entry, from, error) => this.#changed(entry, from, error),
    );
  }

  /** A snapshot of every endpoint, in the order given. */
  get endpoints(): readonly EndpointStatus[] {
    return this.#entries.map(statusOf);
  }

  /** A snapshot of one endpoint, or `undefined` if the pool has no such id. */
  endpoint(id: string): EndpointStatus | undefined {
    const entry = this.#byId.get(id);
    return entry === undefined ? undefined : statusOf(entry);
  }

  /**
   * Connects to the best endpoint that fits `constraints`; if it fails, to the next best, until
   * one answers or `timeout` ms have passed in all. Rejects with {@link PoolError}.
   */
  async connect(
    constraints: EndpointConstraints = {},
    options: { readonly timeout?: number; readonly signal?: AbortSignal } = {},
  ): Promise<GuacdLease> {
    const deadline = Date.now() + (options.timeout ?? 15000);
    const tried: string[] = [];
    let last: unknown;
    if (constraints.endpoint !== undefined && !this.#byId.has(constraints.endpoint)) {
      throw new PoolError(
        "UNKNOWN_ENDPOINT",
        `Cannot connect to guacd: no endpoint is named ${constraints.endpoint}`,
      );
    }
    for (;;) {
      if (options.signal?.aborted) {
        throw new PoolError("ABORTED", "Cannot connect to guacd: aborted", tried, {
          cause: options.signal.reason,
        });
      }
      const entry = pickEndpoint(this.#entries, this.#strategy, constraints, tried);
      if (entry === undefined) throw noEndpointLeft(tried, last);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new PoolError("DEADLINE", "Cannot connect to guacd: the deadline passed", tried, {
          cause: last,
        });
      }
      tried.push(entry.endpoint.id);
      entry.active++; // reserved now, so concurrent picks see it
      const timeout = AbortSignal.timeout(remaining);
      const signal =
        options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
      let duplex: GuacdDuplex;
      try {
        duplex = await this.#connect(entry.endpoint, { signal, timeout: remaining });
      } catch (error) {
        entry.active--;
        last = error;
        if (options.signal?.aborted) continue; // reported as ABORTED above
        this.#health.failed(entry, error);
        continue;
      }
      this.#health.connected(entry);
      return lease(entry, duplex, tried);
    }
  }

  /** Stops giving `id` new sessions; running ones continue and joins still reach it. */
  drain(id: string): void {
    this.#setDraining(id, true);
  }

  /** Gives `id` new sessions again after {@link GuacdPool.drain}. */
  resume(id: string): void {
    this.#setDraining(id, false);
  }

  /** Runs one round of health checks now, on every endpoint, and waits for it. */
  check(): Promise<void> {
    return this.#health.check();
  }

  /** Starts the periodic health checks (a first round at once). Idempotent. */
  start(): void {
    this.#health.start();
  }

  /** Stops the health checks; leases already given keep working. */
  close(): void {
    this.#health.stop();
  }

  #setDraining(id: string, draining: boolean): void {
    const entry = this.#byId.get(id);
    if (entry === undefined) {
      throw new PoolError("UNKNOWN_ENDPOINT", `Cannot drain endpoint: no endpoint is named ${id}`);
    }
    const from = stateOf(entry);
    entry.draining = draining;
    this.#changed(entry, from);
  }

  #changed(entry: EndpointEntry, from: EndpointState, error?: Error): void {
    const to = stateOf(entry);
    if (to === from) return;
    this.#onStateChange?.({
      endpoint: entry.endpoint.id,
      from,
      to,
      ...(error === undefined ? {} : { error }),
    });
  }
}

/** A session's hold on `entry`, counted active until released (once). */
function lease(entry: EndpointEntry, duplex: GuacdDuplex, tried: readonly string[]): GuacdLease {
  let released = false;
  return {
    endpoint: entry.endpoint,
    duplex,
    tried,
    release: () => {
      if (released) return;
      released = true;
      entry.active--;
    },
  };
}

/** Why no endpoint is left to try: none fit, or every one that did failed. */
function noEndpointLeft(tried: readonly string[], last: unknown): PoolError {
  if (tried.length === 0) {
    return new PoolError(
      "NO_ENDPOINT",
      "Cannot connect to guacd: no endpoint that fits is up",
      tried,
    );
  }
  return new PoolError(
    "CONNECT_FAILED",
    `Cannot connect to guacd: ${tried.length} endpoint(s) failed`,
    tried,
    { cause: last },
  );
}
