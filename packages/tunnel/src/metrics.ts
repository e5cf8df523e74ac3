/**
 * Prometheus text-format metrics, written for the broker's `/metrics` page: {@linkcode Counter},
 * {@linkcode Gauge}, {@linkcode Histogram} and the {@linkcode MetricsRegistry} that renders them.
 * {@linkcode TunnelMetrics} (from `@guacstream/tunnel`) registers its own here; add yours to the
 * same registry to serve them on the same page.
 *
 * @module
 */
export type { Metric, MetricLabels } from "./metrics/prometheus.ts";
export { Counter, Gauge, Histogram, MetricsRegistry } from "./metrics/prometheus.ts";
