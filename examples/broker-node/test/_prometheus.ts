// /metrics read with an independent Prometheus text-format parser (parse-prometheus-text-format,
// which ships no types).
import { createRequire } from "node:module";

interface ParsedFamily {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; count?: string }[];
}

const parse: (text: string) => ParsedFamily[] = createRequire(import.meta.url)(
  "parse-prometheus-text-format",
);

/** The metrics of one page: sum of the samples of `name` whose labels include `labels`. */
export function metricsOf(text: string): (name: string, labels?: Record<string, string>) => number {
  const families = parse(text);
  return (name, labels = {}) => {
    const family = families.find((f) => f.name === name);
    if (family === undefined) throw new Error(`/metrics has no ${name}`);
    let sum = 0;
    for (const m of family.metrics) {
      if (Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)) {
        sum += Number(m.value ?? m.count ?? 0);
      }
    }
    return sum;
  };
}
