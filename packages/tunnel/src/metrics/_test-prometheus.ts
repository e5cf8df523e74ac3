// The Prometheus text-format parser the tests check our output with (an independent
// implementation, parse-prometheus-text-format; it ships no types).
import { createRequire } from "node:module";

export interface ParsedFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

export const parsePrometheus: (text: string) => ParsedFamily[] = createRequire(import.meta.url)(
  "parse-prometheus-text-format",
);
