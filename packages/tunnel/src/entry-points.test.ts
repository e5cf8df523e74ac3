import { expect, test } from "vitest";
import * as root from "./index.ts";
import * as metrics from "./metrics.ts";

test("the Prometheus classes are exported from /metrics only", () => {
  const prometheus = ["Counter", "Gauge", "Histogram", "MetricsRegistry"];
  expect(prometheus.filter((name) => name in root)).toEqual([]);
  expect(Object.keys(metrics).sort()).toEqual(prometheus);
});
