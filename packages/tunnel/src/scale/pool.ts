import type { GuacdDuplex } from "@guacstream/codec/client";
import { closeQuietly } from "../base/_close-quietly.ts";
import { PoolError } from "./pool-error.ts";

/**
 * One guacd in a {@link GuacdPool}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GuacdEndpoint } from "@guacstream/tunnel";
 *
 * const endpoint: GuacdEndpoint = { host: "10.0.0.7", port: 4822, weight: 2, labels: { region: "eu" } };
 * assert.equal(endpoint.labels?.region, "eu");
 * ```
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ResolvedEndpoint } from "@guacstream/tunnel";
 *
 * const endpoint: ResolvedEndpoint = { id: "g1", host: "127.0.0.1", port: 4822, weight: 1, labels: {} };
 * assert.equal(endpoint.weight, 1);
 * ```
 */
export interface ResolvedEndpoint {
  /** Its name (given, or `host:port`). */
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EndpointState } from "@guacstream/tunnel";
 *
 * const state: EndpointState = "draining";
 * assert.notEqual(state, "up");
 * ```
 */
export type EndpointState = "up" | "down" | "draining";

/**
 * A snapshot of one endpoint, from {@link GuacdPool.endpoints}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EndpointStatus } from "@guacstream/tunnel";
 *
 * const status: EndpointStatus = {
 *   id: "g1", host: "127.0.0.1", port: 4822, weight: 1, labels: {},
 *   state: "up", active: 3, failures: 0, lastError: undefined,
 * };
 * assert.equal(status.active, 3);
 * ```
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EndpointConstraints } from "@guacstream/tunnel";
 *
 * const constraints: EndpointConstraints = { labels: { region: "eu" } };
 * assert.equal(constraints.endpoint, undefined);
 * ```
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PoolStrategy } from "@guacstream/tunnel";
 *
 * const strategy: PoolStrategy = "weighted-round-robin";
 * assert.ok(strategy.startsWith("weighted"));
 * ```
 */
export type PoolStrategy = "least-sessions" | "weighted-round-robin";

/**
 * Checks that a fresh connection is a working guacd (e.g. {@link selectProbe}); rejects if not.
 * The pool closes the connection afterwards.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GuacdProbe } from "@guacstream/tunnel";
 *
 * const accept: GuacdProbe = async () => {};
 * assert.equal(await accept({ readable: new ReadableStream(), writable: new WritableStream() }, new AbortController().signal), undefined);
 * ```
 */
export type GuacdProbe = (duplex: GuacdDuplex, signal: AbortSignal) => Promise<void>;

/**
 * Health checks of a {@link GuacdPool}: every `interval`, each endpoint gets a connect (and the
 * `probe`, if any) within `timeout`. `fall` failures in a row take it out; `rise` successes in a
 * row bring it back. Failed session connects count as failures too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HealthCheckOptions } from "@guacstream/tunnel";
 *
 * const health: HealthCheckOptions = { interval: 1000, timeout: 500, fall: 2, rise: 2 };
 * assert.equal(health.fall, 2);
 * ```
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EndpointStateChange } from "@guacstream/tunnel";
 *
 * const change: EndpointStateChange = { endpoint: "g1", from: "up", to: "down", error: new Error("ECONNREFUSED") };
 * assert.equal(change.to, "down");
 * ```
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GuacdPoolOptions } from "@guacstream/tunnel";
 *
 * const options: GuacdPoolOptions = {
 *   endpoints: [{ host: "10.0.0.7", port: 4822 }, { host: "10.0.0.8", port: 4822, weight: 2 }],
 *   connect: () => Promise.reject(new Error("no guacd in this example")),
 *   health: { interval: 2000 },
 * };
 * assert.equal(options.endpoints.length, 2);
 * ```
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GuacdLease } from "@guacstream/tunnel";
 *
 * let released = 0;
 * const lease: GuacdLease = {
 *   endpoint: { id: "g1", host: "127.0.0.1", port: 4822, weight: 1, labels: {} },
 *   duplex: { readable: new ReadableStream(), writable: new WritableStream() },
 *   tried: ["g1"],
 *   release: () => void released++,
 * };
 * lease.release();
 * assert.equal(released, 1);
 * ```
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

interface Entry {
  readonly endpoint: ResolvedEndpoint;
  readonly index: number;
  healthy: boolean;
  draining: boolean;
  active: number;
  failures: number;
  successes: number;
  lastError: string | undefined;
  /** Smooth weighted round robin's running score. */
  current: number;
}

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
  readonly #entries: Entry[];
  readonly #byId = new Map<string, Entry>();
  readonly #connect: GuacdPoolOptions["connect"];
  readonly #strategy: PoolStrategy;
  readonly #health: HealthCheckOptions | false;
  readonly #onStateChange: ((change: EndpointStateChange) => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #checking: AbortController | undefined;
  #running = false;

  /** A pool of `options.endpoints`, all up until checked; call `start()` for health checks. */
  constructor(options: GuacdPoolOptions) {
    this.#connect = options.connect;
    this.#strategy = options.strategy ?? "least-sessions";
    this.#health = options.health ?? {};
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
      const entry: Entry = {
        endpoint,
        index,
        healthy: true,
        draining: false,
        active: 0,
        failures: 0,
        successes: 0,
        lastError: undefined,
        current: 0,
      };
      this.#byId.set(endpoint.id, entry);
      return entry;
    });
  }

  /** A snapshot of every endpoint, in the order given. */
  get endpoints(): readonly EndpointStatus[] {
    return this.#entries.map(status);
  }

  /** A snapshot of one endpoint, or `undefined` if the pool has no such id. */
  endpoint(id: string): EndpointStatus | undefined {
    const entry = this.#byId.get(id);
    return entry === undefined ? undefined : status(entry);
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
      const entry = this.#pick(constraints, tried);
      if (entry === undefined) {
        if (tried.length === 0) {
          throw new PoolError(
            "NO_ENDPOINT",
            "Cannot connect to guacd: no endpoint that fits is up",
            tried,
          );
        }
        throw new PoolError(
          "CONNECT_FAILED",
          `Cannot connect to guacd: ${tried.length} endpoint(s) failed`,
          tried,
          { cause: last },
        );
      }
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
        this.#failed(entry, error);
        continue;
      }
      entry.failures = 0;
      entry.lastError = undefined;
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
  async check(): Promise<void> {
    if (this.#health === false) return;
    const health = this.#health;
    const controller = new AbortController();
    this.#checking = controller;
    await Promise.all(this.#entries.map((entry) => this.#checkOne(entry, health, controller)));
    if (this.#checking === controller) this.#checking = undefined;
  }

  /** Starts the periodic health checks (a first round at once). Idempotent. */
  start(): void {
    if (this.#running || this.#health === false) return;
    this.#running = true;
    const interval = this.#health.interval ?? 5000;
    const round = (): void => {
      void this.check().then(() => {
        if (!this.#running) return;
        this.#timer = setTimeout(round, interval);
        // A pool must not keep a Node process alive by itself.
        (this.#timer as { unref?: () => void }).unref?.();
      });
    };
    round();
  }

  /** Stops the health checks; leases already given keep working. */
  close(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#checking?.abort(new Error("The pool closed"));
  }

  #pick(constraints: EndpointConstraints, tried: readonly string[]): Entry | undefined {
    if (constraints.endpoint !== undefined) {
      const entry = this.#byId.get(constraints.endpoint);
      return entry?.healthy && !tried.includes(entry.endpoint.id) ? entry : undefined;
    }
    const candidates = this.#entries.filter(
      (e) =>
        e.healthy &&
        !e.draining &&
        !tried.includes(e.endpoint.id) &&
        matches(e.endpoint.labels, constraints.labels),
    );
    if (candidates.length === 0) return undefined;
    if (this.#strategy === "weighted-round-robin") {
      let total = 0;
      let best: Entry | undefined;
      for (const e of candidates) {
        e.current += e.endpoint.weight;
        total += e.endpoint.weight;
        if (best === undefined || e.current > best.current) best = e;
      }
      best!.current -= total;
      return best;
    }
    let best = candidates[0]!;
    for (const e of candidates) {
      if (e.active / e.endpoint.weight < best.active / best.endpoint.weight) best = e;
    }
    return best;
  }

  async #checkOne(entry: Entry, health: HealthCheckOptions, round: AbortController): Promise<void> {
    const timeout = health.timeout ?? 2000;
    const signal = AbortSignal.any([round.signal, AbortSignal.timeout(timeout)]);
    let duplex: GuacdDuplex | undefined;
    try {
      duplex = await this.#connect(entry.endpoint, { signal, timeout });
      if (health.probe !== undefined) await raceAbort(health.probe(duplex, signal), signal);
    } catch (error) {
      if (!round.signal.aborted) this.#failed(entry, error);
      return;
    } finally {
      if (duplex !== undefined) void closeQuietly(duplex);
    }
    entry.failures = 0;
    entry.lastError = undefined;
    entry.successes++;
    if (!entry.healthy && entry.successes >= (health.rise ?? 2)) {
      const from = stateOf(entry);
      entry.healthy = true;
      this.#changed(entry, from);
    }
  }

  #failed(entry: Entry, error: unknown): void {
    entry.failures++;
    entry.successes = 0;
    entry.lastError = error instanceof Error ? error.message : String(error);
    if (this.#health === false || !entry.healthy) return;
    if (entry.failures >= (this.#health.fall ?? 2)) {
      const from = stateOf(entry);
      entry.healthy = false;
      this.#changed(entry, from, error instanceof Error ? error : new Error(String(error)));
    }
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

  #changed(entry: Entry, from: EndpointState, error?: Error): void {
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

function stateOf(entry: Entry): EndpointState {
  return !entry.healthy ? "down" : entry.draining ? "draining" : "up";
}

function status(entry: Entry): EndpointStatus {
  return {
    ...entry.endpoint,
    state: stateOf(entry),
    active: entry.active,
    failures: entry.failures,
    lastError: entry.lastError,
  };
}

function matches(
  labels: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>> | undefined,
): boolean {
  if (wanted === undefined) return true;
  for (const name of Object.keys(wanted)) {
    if (!Object.hasOwn(labels, name) || labels[name] !== wanted[name]) return false;
  }
  return true;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  // A probe that ignores its signal still ends the check on time.
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
