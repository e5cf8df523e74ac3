import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { parsePrometheus } from "./_test-prometheus.ts";
import { Counter, Gauge, Histogram, MetricsRegistry } from "./prometheus.ts";

describe("Prometheus text format", () => {
  test.prop([fc.array(fc.tuple(fc.string(), fc.nat()), { minLength: 1, maxLength: 20 })])(
    "any label value survives rendering and parsing by an independent parser",
    (samples) => {
      const registry = new MetricsRegistry();
      const counter = registry.add(new Counter("c_total", "help with \\ and\nnewline", ["v"]));
      const expected = new Map<string, number>();
      for (const [value, n] of samples) {
        counter.inc({ v: value }, n);
        expected.set(value, (expected.get(value) ?? 0) + n);
      }
      const [family] = parsePrometheus(registry.render());
      expect(family?.help).toBe("help with \\ and\nnewline");
      const parsed = new Map(family!.metrics.map((m) => [m.labels!.v!, Number(m.value)]));
      expect(parsed).toEqual(expected);
    },
  );

  it("renders counters, gauges and histograms that parse with their types and values", () => {
    const registry = new MetricsRegistry();
    const c = registry.add(new Counter("requests_total", "Requests.", ["code"]));
    const g = registry.add(new Gauge("open", "Open things."));
    // Unlabelled: the parser keeps a histogram's sum and count only without labels.
    const h = registry.add(new Histogram("latency_seconds", "Latency.", [0.1, 0.5, 1]));
    c.inc({ code: "200" }, 3);
    g.set(undefined, -2);
    for (const v of [0.05, 0.2, 0.7, 3]) h.observe(undefined, v);
    const families = parsePrometheus(registry.render());
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ["requests_total", "COUNTER"],
      ["open", "GAUGE"],
      ["latency_seconds", "HISTOGRAM"],
    ]);
    expect(families[0]!.metrics).toEqual([{ value: "3", labels: { code: "200" } }]);
    expect(families[1]!.metrics).toEqual([{ value: "-2" }]);
    expect(families[2]!.metrics[0]).toMatchObject({
      buckets: { "0.1": "1", "0.5": "2", "1": "3", "+Inf": "4" },
      count: "4",
    });
    expect(Number(families[2]!.metrics[0]!.sum)).toBeCloseTo(3.95);
  });

  it("a labelled histogram puts its labels before le on every line", () => {
    const h = new Histogram("t_seconds", "T.", [1], ["op"]);
    h.observe({ op: "put" }, 2);
    const lines: string[] = [];
    h.render(lines);
    expect(lines.slice(2)).toEqual([
      't_seconds_bucket{op="put",le="1"} 0',
      't_seconds_bucket{op="put",le="+Inf"} 1',
      't_seconds_sum{op="put"} 2',
      't_seconds_count{op="put"} 1',
    ]);
    expect(h.count({ op: "put" })).toBe(1);
  });

  it("refuses what would make an invalid page", () => {
    const registry = new MetricsRegistry();
    registry.add(new Counter("a_total", "A."));
    expect(() => registry.add(new Gauge("a_total", "again"))).toThrow(/already registered/);
    expect(() => new Counter("bad-name", "x")).toThrow(RangeError);
    expect(() => new Counter("x_total", "x", ["le"])).toThrow(RangeError);
    expect(() => new Counter("x_total", "x", ["__reserved"])).toThrow(RangeError);
    expect(() => new Histogram("h", "x", [1, 1])).toThrow(/increase/);
    const c = new Counter("y_total", "y", ["k"]);
    expect(() => c.inc({})).toThrow(/label k is missing/);
    expect(() => c.inc({ k: "a" }, -1)).toThrow(RangeError);
    c.set({ k: "a" }, 10);
    expect(() => c.set({ k: "a" }, 9)).toThrow(/down to 9/);
  });

  it("collect hooks run before each render", () => {
    const registry = new MetricsRegistry();
    const g = registry.add(new Gauge("now", "A value read at scrape time."));
    let value = 1;
    registry.collect(() => g.set(undefined, value));
    expect(registry.render()).toMatch(/^now 1$/m);
    value = 2;
    expect(registry.render()).toMatch(/^now 2$/m);
  });
});
