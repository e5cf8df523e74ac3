import { GUACAMOLE_STATUSES } from "@guacstream/codec/client";
import type { TunnelTraffic } from "../bridge/result.ts";
import type { TunnelEvent } from "../broker/tunnel-event.ts";
import type { GuacdPool } from "../scale/pool.ts";
import { TrafficTotals } from "./_traffic-totals.ts";
import { Counter, Gauge, Histogram, MetricsRegistry } from "./prometheus.ts";

/**
 * Options of {@link TunnelMetrics}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TunnelMetrics } from "@guacstream/tunnel";
 *
 * const metrics = new TunnelMetrics({ prefix: "broker" });
 * assert.match(metrics.render(), /^# TYPE broker_tunnels_opened_total counter$/m);
 * ```
 */
export interface TunnelMetricsOptions {
  /** Pool whose endpoints' states and session counts are reported. */
  readonly pool?: GuacdPool;
  /** Prefix of every metric name. @default {"guacstream"} */
  readonly prefix?: string;
  /** Add your own metrics here to serve them on the same page. @default {new MetricsRegistry()} */
  readonly registry?: MetricsRegistry;
}

/** Handshake latency buckets, in seconds: loopback guacd answers in milliseconds, RDP in seconds. */
const HANDSHAKE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const STATES = ["up", "draining", "down"] as const;
// Status labels come from a fixed set, so whatever guacd sends cannot add series without end.
const KNOWN_STATUSES: ReadonlySet<number> = new Set(GUACAMOLE_STATUSES.map((s) => s.code));

/** The label of a status: its code if it is a known Guacamole status, else `other`. */
function statusLabel(status: number): string {
  return KNOWN_STATUSES.has(status) ? String(status) : "other";
}

/**
 * A broker's metrics for `/metrics` in the Prometheus text format: open tunnels per guacd
 * endpoint and endpoint state, bytes each way, handshake latency, tunnels opened, refusals,
 * failures and closes by status, replay store and session registry errors and latency. Counting is
 * done at tunnel events; bytes of open tunnels are read at scrape time, so the data path does no
 * more than add to two integers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TunnelMetrics } from "@guacstream/tunnel";
 *
 * const metrics = new TunnelMetrics();
 * metrics.opened("g1", 0.012);
 * const traffic = { bytesToBrowser: 0, bytesToGuacd: 0 };
 * const done = metrics.track(traffic);
 * traffic.bytesToBrowser += 5000;
 * assert.match(metrics.render(), /^guacstream_tunnel_bytes_total\{direction="to_browser"\} 5000$/m);
 * done();
 * metrics.closed("g1", 0);
 * metrics.refused("TOKEN_REPLAYED", 0x0303);
 * const text = metrics.render();
 * assert.match(text, /^guacstream_tunnels_closed_total\{endpoint="g1",status="0"\} 1$/m);
 * assert.match(text, /^guacstream_tunnels_refused_total\{code="TOKEN_REPLAYED",status="771"\} 1$/m);
 * assert.match(text, /^guacstream_tunnel_bytes_total\{direction="to_browser"\} 5000$/m);
 * ```
 */
export class TunnelMetrics {
  /** Where the metrics live; render it (or {@link TunnelMetrics.render}) for `/metrics`. */
  readonly registry: MetricsRegistry;
  readonly #active: Gauge;
  readonly #endpointState: Gauge;
  readonly #bytes: Counter;
  readonly #handshake: Histogram;
  readonly #opened: Counter;
  readonly #refused: Counter;
  readonly #failed: Counter;
  readonly #closed: Counter;
  readonly #replayErrors: Counter;
  readonly #registryErrors: Counter;
  readonly #registryLatency: Histogram;
  readonly #open = new Map<string, number>();
  readonly #traffic = new TrafficTotals();

  /** Registers the broker's metrics (in `options.registry`, or a new one). */
  constructor(options: TunnelMetricsOptions = {}) {
    const p = options.prefix ?? "guacstream";
    const r = options.registry ?? new MetricsRegistry();
    this.registry = r;
    this.#active = r.add(
      new Gauge(`${p}_tunnels_active`, "Open tunnels by guacd endpoint and its state.", [
        "endpoint",
        "state",
      ]),
    );
    this.#endpointState = r.add(
      new Gauge(`${p}_guacd_endpoint_state`, "1 for the state each guacd endpoint is in.", [
        "endpoint",
        "state",
      ]),
    );
    this.#bytes = r.add(
      new Counter(`${p}_tunnel_bytes_total`, "Bytes forwarded, by direction.", ["direction"]),
    );
    this.#handshake = r.add(
      new Histogram(
        `${p}_handshake_seconds`,
        "guacd connect and handshake time of tunnels that opened.",
        HANDSHAKE_BUCKETS,
      ),
    );
    this.#opened = r.add(
      new Counter(`${p}_tunnels_opened_total`, "Tunnels opened, by guacd endpoint.", ["endpoint"]),
    );
    this.#refused = r.add(
      new Counter(`${p}_tunnels_refused_total`, "Tunnels refused before guacd was contacted.", [
        "code",
        "status",
      ]),
    );
    this.#failed = r.add(
      new Counter(`${p}_tunnels_failed_total`, "Tunnels whose guacd connect or handshake failed.", [
        "status",
      ]),
    );
    this.#closed = r.add(
      new Counter(`${p}_tunnels_closed_total`, "Open tunnels that ended, by the status sent.", [
        "endpoint",
        "status",
      ]),
    );
    this.#replayErrors = r.add(
      new Counter(`${p}_replay_store_errors_total`, "Replay checks the store could not answer."),
    );
    this.#registryErrors = r.add(
      new Counter(`${p}_registry_errors_total`, "Session registry calls that failed.", [
        "operation",
      ]),
    );
    this.#registryLatency = r.add(
      new Histogram(`${p}_registry_seconds`, "Session registry call time.", STORE_BUCKETS, [
        "operation",
      ]),
    );
    for (const direction of ["to_browser", "to_guacd"]) this.#bytes.inc({ direction }, 0);
    this.#replayErrors.inc(undefined, 0);
    const pool = options.pool;
    r.collect(() => this.#collect(pool));
  }

  /**
   * Counts one {@link TunnelEvent} (pass it from `acceptTunnel`'s `onEvent`): opens with their
   * endpoint and handshake time (and their bytes from then on), closes by status, refusals by code
   * and status (a `REPLAY_UNAVAILABLE` refusal is also a replay store error), failures by status.
   * Tunnels without a pool count under endpoint `default`.
   */
  observe(event: TunnelEvent): void {
    switch (event.type) {
      case "refused":
        this.refused(event.code, event.status);
        if (event.code === "REPLAY_UNAVAILABLE") this.replayStoreError();
        break;
      case "failed":
        this.failed(event.status);
        break;
      case "open":
        this.opened(event.info.endpoint ?? "default", event.handshakeMs / 1000);
        this.#traffic.start(event.info.uuid, event.traffic);
        break;
      case "closed":
        this.#traffic.end(event.info.uuid);
        this.closed(event.info.endpoint ?? "default", event.result.status);
        break;
    }
  }

  /** A tunnel opened on `endpoint` after `handshakeSeconds` of connect and handshake. */
  opened(endpoint: string, handshakeSeconds: number): void {
    this.#open.set(endpoint, (this.#open.get(endpoint) ?? 0) + 1);
    this.#opened.inc({ endpoint });
    this.#handshake.observe(undefined, handshakeSeconds);
  }

  /** An open tunnel on `endpoint` ended with `status`. */
  closed(endpoint: string, status: number): void {
    this.#open.set(endpoint, (this.#open.get(endpoint) ?? 1) - 1);
    this.#closed.inc({ endpoint, status: statusLabel(status) });
  }

  /** A tunnel was refused before guacd was contacted (token, settings, stores). */
  refused(code: string, status: number): void {
    this.#refused.inc({ code, status: statusLabel(status) });
  }

  /** A tunnel's guacd connect or handshake failed with `status`. */
  failed(status: number): void {
    this.#failed.inc({ status: statusLabel(status) });
  }

  /** The replay store could not answer a claim. */
  replayStoreError(): void {
    this.#replayErrors.inc();
  }

  /** A session registry call took `seconds`, and failed with `error` if given. */
  registryCall(operation: "get" | "put" | "delete", seconds: number, error?: unknown): void {
    this.#registryLatency.observe({ operation }, seconds);
    if (error !== undefined) this.#registryErrors.inc({ operation });
  }

  /**
   * Counts an open tunnel's bytes at each scrape; the returned function (call it when the tunnel
   * ends) adds its final counts to the totals.
   */
  track(traffic: TunnelTraffic): () => void {
    return this.#traffic.track(traffic);
  }

  /** The page to serve at `/metrics` (content type {@link MetricsRegistry.contentType}). */
  render(): string {
    return this.registry.render();
  }

  #collect(pool: GuacdPool | undefined): void {
    const { toBrowser, toGuacd } = this.#traffic.sum();
    this.#bytes.set({ direction: "to_browser" }, toBrowser);
    this.#bytes.set({ direction: "to_guacd" }, toGuacd);
    this.#active.clear();
    this.#endpointState.clear();
    if (pool === undefined) {
      for (const [endpoint, n] of this.#open) this.#active.set({ endpoint, state: "up" }, n);
      return;
    }
    for (const e of pool.endpoints) {
      this.#active.set({ endpoint: e.id, state: e.state }, this.#open.get(e.id) ?? 0);
      for (const state of STATES) {
        this.#endpointState.set({ endpoint: e.id, state }, state === e.state ? 1 : 0);
      }
    }
  }
}
