/**
 * Label values of one series, by label name.
 */
export type MetricLabels = Readonly<Record<string, string>>;

/**
 * Something a {@link MetricsRegistry} renders: one metric family in the Prometheus text format.
 *
 * @example A metric of your own, served on the registry's page
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Metric, MetricsRegistry } from "@guacstream/tunnel/metrics";
 *
 * const started = Date.now() - 42_000;
 * const uptime: Metric = {
 *   name: "uptime_seconds",
 *   render: (out) => void out.push("# TYPE uptime_seconds gauge", `uptime_seconds ${Math.round((Date.now() - started) / 1000)}`),
 * };
 * const registry = new MetricsRegistry();
 * registry.add(uptime);
 * assert.match(registry.render(), /^uptime_seconds 42$/m);
 * ```
 */
export interface Metric {
  /** The family's name, unique in a {@link MetricsRegistry}. */
  readonly name: string;
  /** Appends its lines (`# HELP`, `# TYPE`, samples) to `out`. */
  render(out: string[]): void;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Series by label values, and the header lines: what counters, gauges and histograms share. */
class SeriesMap<T> {
  readonly name: string;
  readonly #header: readonly string[];
  readonly #labelNames: readonly string[];
  readonly #initial: () => T;
  readonly #series = new Map<string, { labels: string; value: T }>();

  constructor(
    type: string,
    name: string,
    help: string,
    labelNames: readonly string[],
    initial: () => T,
  ) {
    if (!NAME.test(name)) throw new RangeError(`Cannot create metric: bad name ${name}`);
    for (const label of labelNames) {
      if (!LABEL.test(label) || label.startsWith("__") || label === "le") {
        throw new RangeError(`Cannot create metric ${name}: bad label name ${label}`);
      }
    }
    this.name = name;
    this.#header = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
    this.#labelNames = labelNames;
    this.#initial = initial;
  }

  get(labels: MetricLabels | undefined): T {
    let key = "";
    for (const name of this.#labelNames) {
      const value = labels?.[name];
      if (value === undefined) {
        throw new RangeError(`Cannot record ${this.name}: label ${name} is missing`);
      }
      key += `${name}="${escapeLabel(value)}",`;
    }
    let found = this.#series.get(key);
    if (found === undefined) {
      found = { labels: key.slice(0, -1), value: this.#initial() };
      this.#series.set(key, found);
    }
    return found.value;
  }

  clear(): void {
    this.#series.clear();
  }

  render(out: string[], series: (labels: string, value: T) => void): void {
    out.push(...this.#header);
    for (const { labels, value } of this.#series.values()) series(labels, value);
  }
}

/**
 * A Prometheus counter: a total that only goes up (bytes, refusals), optionally by labels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Counter } from "@guacstream/tunnel/metrics";
 *
 * const refused = new Counter("tunnels_refused_total", "Tunnels refused", ["status"]);
 * refused.inc({ status: "769" });
 * refused.inc({ status: "769" });
 * assert.equal(refused.get({ status: "769" }), 2);
 * const lines: string[] = [];
 * refused.render(lines);
 * assert.deepEqual(lines, ["# HELP tunnels_refused_total Tunnels refused", "# TYPE tunnels_refused_total counter", 'tunnels_refused_total{status="769"} 2']);
 * ```
 */
export class Counter implements Metric {
  readonly #series: SeriesMap<{ n: number }>;

  /** A counter named `name` (`[a-zA-Z_:][a-zA-Z0-9_:]*`), with a label per name in `labelNames`. */
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    this.#series = new SeriesMap("counter", name, help, labelNames, () => ({ n: 0 }));
  }

  /** The metric's name. */
  get name(): string {
    return this.#series.name;
  }

  /** Adds `value` (≥ 0) to the series of `labels`. */
  inc(labels?: MetricLabels, value = 1): void {
    if (!(value >= 0)) throw new RangeError(`Cannot add ${value} to counter ${this.name}`);
    this.#series.get(labels).n += value;
  }

  /**
   * Sets the series of `labels` to a total computed elsewhere (in a {@link MetricsRegistry.collect}
   * hook); it must never be less than before.
   */
  set(labels: MetricLabels | undefined, total: number): void {
    const entry = this.#series.get(labels);
    if (!(total >= entry.n)) {
      throw new RangeError(`Cannot set counter ${this.name} from ${entry.n} down to ${total}`);
    }
    entry.n = total;
  }

  /** The series' current total. */
  get(labels?: MetricLabels): number {
    return this.#series.get(labels).n;
  }

  /** Forgets every series. */
  clear(): void {
    this.#series.clear();
  }

  /** Appends its lines to `out`. */
  render(out: string[]): void {
    this.#series.render(out, (labels, value) =>
      out.push(`${this.name}${braces(labels)} ${formatNumber(value.n)}`),
    );
  }
}

/**
 * A Prometheus gauge: a value that goes up and down (open tunnels), optionally by labels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Gauge } from "@guacstream/tunnel/metrics";
 *
 * const active = new Gauge("tunnels_active", "Open tunnels", ["endpoint"]);
 * active.set({ endpoint: "g1" }, 3);
 * active.inc({ endpoint: "g1" }, -1);
 * assert.equal(active.get({ endpoint: "g1" }), 2);
 * ```
 */
export class Gauge implements Metric {
  readonly #series: SeriesMap<{ n: number }>;

  /** A gauge named `name`, with a label per name in `labelNames`. */
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    this.#series = new SeriesMap("gauge", name, help, labelNames, () => ({ n: 0 }));
  }

  /** The metric's name. */
  get name(): string {
    return this.#series.name;
  }

  /** Sets the series of `labels` to `value`. */
  set(labels: MetricLabels | undefined, value: number): void {
    this.#series.get(labels).n = value;
  }

  /** Adds `value` (may be negative) to the series of `labels`. */
  inc(labels?: MetricLabels, value = 1): void {
    this.#series.get(labels).n += value;
  }

  /** The series' current value. */
  get(labels?: MetricLabels): number {
    return this.#series.get(labels).n;
  }

  /** Forgets every series (for a gauge rebuilt at each scrape). */
  clear(): void {
    this.#series.clear();
  }

  /** Appends its lines to `out`. */
  render(out: string[]): void {
    this.#series.render(out, (labels, value) =>
      out.push(`${this.name}${braces(labels)} ${formatNumber(value.n)}`),
    );
  }
}

interface HistogramSeries {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram: how many observations fell at or under each bucket bound, their sum and
 * count (handshake latency).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Histogram } from "@guacstream/tunnel/metrics";
 *
 * const latency = new Histogram("handshake_seconds", "guacd handshake time", [0.1, 1]);
 * latency.observe(undefined, 0.05);
 * latency.observe(undefined, 0.5);
 * const lines: string[] = [];
 * latency.render(lines);
 * assert.deepEqual(lines.slice(2), [
 *   'handshake_seconds_bucket{le="0.1"} 1',
 *   'handshake_seconds_bucket{le="1"} 2',
 *   'handshake_seconds_bucket{le="+Inf"} 2',
 *   "handshake_seconds_sum 0.55",
 *   "handshake_seconds_count 2",
 * ]);
 * ```
 */
export class Histogram implements Metric {
  readonly #bounds: readonly number[];
  readonly #series: SeriesMap<HistogramSeries>;

  /** A histogram named `name` with upper bounds `buckets` (increasing; `+Inf` is implied). */
  constructor(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly string[] = [],
  ) {
    this.#series = new SeriesMap("histogram", name, help, labelNames, () => ({
      counts: new Float64Array(this.#bounds.length),
      sum: 0,
      count: 0,
    }));
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]! > buckets[i - 1]!)) {
        throw new RangeError(`Cannot create histogram ${name}: buckets must increase`);
      }
    }
    this.#bounds = [...buckets];
  }

  /** The metric's name. */
  get name(): string {
    return this.#series.name;
  }

  /** Records one observation in the series of `labels`. */
  observe(labels: MetricLabels | undefined, value: number): void {
    const series = this.#series.get(labels);
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]!) series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  /** Observations so far in the series of `labels`. */
  count(labels?: MetricLabels): number {
    return this.#series.get(labels).count;
  }

  /** Forgets every series. */
  clear(): void {
    this.#series.clear();
  }

  /** Appends its lines to `out`. */
  render(out: string[]): void {
    const name = this.name;
    this.#series.render(out, (labels, value) => {
      const prefix = labels === "" ? "" : `${labels},`;
      for (let i = 0; i < this.#bounds.length; i++) {
        const le = formatNumber(this.#bounds[i]!);
        out.push(`${name}_bucket{${prefix}le="${le}"} ${formatNumber(value.counts[i]!)}`);
      }
      out.push(`${name}_bucket{${prefix}le="+Inf"} ${formatNumber(value.count)}`);
      out.push(`${name}_sum${braces(labels)} ${formatNumber(value.sum)}`);
      out.push(`${name}_count${braces(labels)} ${formatNumber(value.count)}`);
    });
  }
}

/**
 * The metrics one process serves at `/metrics`, rendered in the Prometheus text exposition format
 * (version 0.0.4). `collect` hooks run before each render, to read values that are cheaper to
 * read on demand than to keep up to date (pool states, live byte counts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Gauge, MetricsRegistry } from "@guacstream/tunnel/metrics";
 *
 * const registry = new MetricsRegistry();
 * const queue = registry.add(new Gauge("queue_length", "Items waiting"));
 * let waiting = 7;
 * registry.collect(() => queue.set(undefined, waiting));
 * assert.match(registry.render(), /^queue_length 7$/m);
 * assert.equal(MetricsRegistry.contentType, "text/plain; version=0.0.4; charset=utf-8");
 * ```
 */
export class MetricsRegistry {
  /** The `content-type` of {@link MetricsRegistry.render}'s output. */
  static readonly contentType: string = "text/plain; version=0.0.4; charset=utf-8";
  readonly #metrics = new Map<string, Metric>();
  readonly #collectors: (() => void)[] = [];

  /** Adds a metric and returns it; a second metric of the same name is a `RangeError`. */
  add<T extends Metric>(metric: T): T {
    if (this.#metrics.has(metric.name)) {
      throw new RangeError(`Cannot add metric: ${metric.name} is already registered`);
    }
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** Runs `collector` before each render. */
  collect(collector: () => void): void {
    this.#collectors.push(collector);
  }

  /** Every metric in the text format, ending with a newline. */
  render(): string {
    for (const collector of this.#collectors) collector();
    const out: string[] = [];
    for (const metric of this.#metrics.values()) metric.render(out);
    return `${out.join("\n")}\n`;
  }
}

function braces(labels: string): string {
  return labels === "" ? "" : `{${labels}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

function escapeHelp(value: string): string {
  return value.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "+Inf";
  if (n === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(n);
}
