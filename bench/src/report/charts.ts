/**
 * The report's charts as Vega-Lite specs: ratios on a log axis around the 1x line with each
 * target, absolute figures on their own axis per unit, curves over the ramp's sessions with the
 * capacity marked, and the headline figures across earlier runs. Every mark carries a
 * `description` (`label: value`), which Vega writes as the mark's `aria-label`.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Curve } from "../harness/curve.ts";
import { type Figure, formatValue, RATIO, verdict } from "../harness/figure.ts";

/** A chart of the report: where it belongs and the spec that draws it. */
export interface Chart {
  readonly id: string;
  readonly section: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

const WIDTH = 520;
const FONT = "system-ui, sans-serif";
const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, labelLimit: 320 },
  title: { fontSize: 13, anchor: "start" as const },
};
const COLORS = { met: "#3b7dd8", MISSED: "#d9534f", none: "#8a9bb0" };

interface Row {
  readonly row: string;
  readonly value: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly target: number | null;
  readonly verdict: string;
  readonly text: string;
  readonly description: string;
}

function rows(figures: readonly Figure[]): Row[] {
  return figures
    .filter((f) => Number.isFinite(f.value))
    .map((f) => ({
      row: f.basis === undefined ? f.label : `${f.label} (${f.basis})`,
      value: f.value,
      min: f.spread?.[0] ?? null,
      max: f.spread?.[1] ?? null,
      target: f.target?.value ?? null,
      verdict: verdict(f) === "" ? "none" : verdict(f),
      text: formatValue(f.value, f.unit),
      description: `${f.basis === undefined ? f.label : `${f.label} (${f.basis})`}: ${f.value}`,
    }));
}

/** The figure axis: rows in the order given, labels long enough for a figure's name. */
const Y = {
  field: "row",
  type: "nominal" as const,
  sort: null,
  title: null,
  // Vega caps an axis at 200 px by default, which cuts a figure's name short.
  // Without a canvas Vega estimates text widths generously; the limit allows for it.
  axis: { labelLimit: 440, maxExtent: 460 },
};

const colorByVerdict = {
  field: "verdict",
  type: "nominal" as const,
  scale: { domain: ["met", "MISSED", "none"], range: [COLORS.met, COLORS.MISSED, COLORS.none] },
  legend: null,
};

/** Ratios as bars from the 1x line on a log axis, the spread as a whisker, the target as a tick. */
export function ratioChart(
  id: string,
  section: string,
  title: string,
  figures: readonly Figure[],
): Chart {
  const data = rows(figures.filter((f) => f.unit === RATIO));
  const all = data.flatMap((d) => [d.value, d.min ?? d.value, d.max ?? d.value, d.target ?? 1]);
  const lo = Math.min(0.5, ...all.map((v) => v / 1.3));
  const hi = Math.max(2, ...all.map((v) => v * 1.3));
  const y = Y;
  const ticks = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500].filter(
    (t) => t >= lo && t <= hi,
  );
  const x = {
    field: "value",
    type: "quantitative" as const,
    scale: { type: "log" as const, domain: [lo, hi], nice: false },
    axis: {
      title: "ratio, x (log scale; right of the 1x line: better than the reference)",
      values: ticks,
      format: "~g",
    },
  };
  return {
    id,
    section,
    title,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title,
      width: WIDTH,
      height: { step: 18 },
      config: CONFIG,
      data: { values: data },
      layer: [
        {
          mark: { type: "bar", height: 12 },
          encoding: {
            y,
            x,
            x2: { datum: 1 },
            color: colorByVerdict,
            description: { field: "description" },
          },
        },
        {
          mark: { type: "rule", color: "#333" },
          transform: [{ filter: "datum.min != null" }],
          encoding: { y, x: { field: "min", type: "quantitative" }, x2: { field: "max" } },
        },
        {
          mark: { type: "tick", color: "#000", thickness: 2, size: 16 },
          transform: [{ filter: "datum.target != null" }],
          encoding: { y, x: { field: "target", type: "quantitative" } },
        },
        // The value beyond the bar's end and its whisker: right of them above 1x, left below.
        {
          mark: { type: "text", align: "left", dx: 4, fontSize: 10 },
          transform: [
            { filter: "datum.value >= 1" },
            { calculate: "max(datum.value, datum.max || 0)", as: "at" },
          ],
          encoding: { y, x: { field: "at", type: "quantitative" }, text: { field: "text" } },
        },
        {
          mark: { type: "text", align: "right", dx: -4, fontSize: 10 },
          transform: [
            { filter: "datum.value < 1" },
            { calculate: "min(datum.value, datum.min || datum.value)", as: "at" },
          ],
          encoding: { y, x: { field: "at", type: "quantitative" }, text: { field: "text" } },
        },
        {
          mark: { type: "rule", strokeDash: [4, 3], color: "#000" },
          encoding: { x: { datum: 1 } },
        },
      ],
    } as TopLevelSpec,
  };
}

/**
 * Figures of one unit as bars from zero on their own axis, with their targets as ticks; coloured
 * by `seriesOf` (e.g. the client) with a legend when given, else by verdict.
 */
export function absoluteChart(
  id: string,
  section: string,
  title: string,
  unit: string,
  figures: readonly Figure[],
  seriesOf?: (figure: Figure) => string,
): Chart {
  const shown = figures.filter((f) => f.unit === unit && Number.isFinite(f.value));
  const data = rows(shown).map((r, k) =>
    seriesOf === undefined ? r : { ...r, series: seriesOf(shown[k]!) },
  );
  const color =
    seriesOf === undefined
      ? colorByVerdict
      : {
          field: "series",
          type: "nominal" as const,
          sort: null,
          legend: { title: null, orient: "bottom" as const, labelLimit: 320 },
        };
  const y = Y;
  const values = data.flatMap((d) => [d.value, d.max ?? d.value, d.target ?? d.value]);
  // A share cannot pass 100%: its axis ends there unless a figure does (a CPU share of cores).
  const top = unit === "%" && Math.max(...values) <= 100 ? 100 : Math.max(...values, 1e-9) * 1.25;
  const positive = values.filter((v) => v > 0);
  // Figures three orders of magnitude apart (a p99 of 24 ms beside one of 24 s) need a log axis.
  const bottom = Math.min(...positive) / 1.5;
  const log = positive.length === values.length && top / bottom > 1000;
  const x = {
    field: "value",
    type: "quantitative" as const,
    scale: log
      ? { type: "log" as const, domain: [bottom, top], nice: false }
      : { domain: [0, top], nice: false },
    axis: { title: log ? `${unit} (log scale)` : unit },
  };
  return {
    id,
    section,
    title,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title,
      width: WIDTH,
      height: { step: 18 },
      config: CONFIG,
      data: { values: data },
      layer: [
        {
          mark: { type: "bar", height: 12 },
          encoding: {
            y,
            x,
            ...(log ? { x2: { datum: bottom } } : {}),
            color,
            description: { field: "description" },
          },
        },
        {
          mark: { type: "rule", color: "#333" },
          transform: [{ filter: "datum.min != null" }],
          encoding: { y, x: { field: "min", type: "quantitative" }, x2: { field: "max" } },
        },
        {
          mark: { type: "tick", color: "#000", thickness: 2, size: 16 },
          transform: [{ filter: "datum.target != null" }],
          encoding: { y, x: { field: "target", type: "quantitative" } },
        },
        {
          mark: { type: "text", align: "left", dx: 4, fontSize: 10 },
          transform: [{ calculate: "max(datum.value, datum.max || 0)", as: "at" }],
          encoding: { y, x: { field: "at", type: "quantitative" }, text: { field: "text" } },
        },
      ],
    } as TopLevelSpec,
  };
}

/** How the percentiles' lines are drawn, in order, as the y axis names them. */
const DASHES = ["solid", "dashed", "dotted"];

/** A curve over sessions: one line per series, points described, capacity marks labelled. */
export function curveChart(section: string, curve: Curve): Chart {
  const title = curve.basis === undefined ? curve.title : `${curve.title} (${curve.basis})`;
  const marks = curve.marks.filter((m) => m.x >= 1);
  // One label per capacity line (targets with the same capacity share it); reasons in the subtitle.
  const lines = [...new Set(marks.map((m) => m.x))].map((x) => ({ x, text: `capacity ${x}` }));
  const points = curve.points
    .filter((p) => Number.isFinite(p.y))
    .map((p) => ({
      ...p,
      line: `${p.series} ${p.stat}`.trim(),
      description: `${`${p.series} ${p.stat}`.trim()} at ${p.x}: ${p.y}`,
    }));
  const stats = [...new Set(points.map((p) => p.stat))];
  // Each target keeps its colour on every curve (its place among all the curve's targets); the
  // percentile is the line's dash.
  const series = [...new Set(curve.points.map((p) => p.series))];
  const last = Math.max(...lines.map((l) => l.x));
  const xs = curve.points.map((p) => p.x).concat(curve.marks.map((m) => m.x));
  const x = {
    field: "x",
    type: "quantitative" as const,
    scale: { type: "log" as const, base: 2, domain: [1, Math.max(2, ...xs)] },
    axis: {
      title: curve.x,
      format: "d",
      values: [...new Set(xs.filter((v) => v >= 1))].sort((a, b) => a - b),
    },
  };
  return {
    id: curve.id,
    section,
    title,
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: title,
        subtitle: curve.marks.map((m) => m.label),
        subtitleFontSize: 10,
        subtitleColor: "#b52b27",
      },
      width: WIDTH,
      height: 200,
      config: CONFIG,
      layer: [
        {
          data: { values: points },
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: {
              field: "y",
              type: "quantitative",
              axis: {
                title:
                  stats.length > 1
                    ? `${curve.unit} (${stats.map((st, k) => `${st} ${DASHES[k]}`).join(", ")})`
                    : curve.unit,
              },
            },
            // One colour per target (in the legend) and one dash per percentile (on the y axis).
            color: {
              field: "series",
              type: "nominal",
              scale: { domain: series, scheme: "tableau10" },
              legend: { title: null, orient: "bottom" },
            },
            detail: { field: "line", type: "nominal" },
            ...(stats.length > 1
              ? {
                  strokeDash: {
                    field: "stat",
                    type: "nominal" as const,
                    scale: {
                      domain: stats,
                      range: [
                        [1, 0],
                        [5, 3],
                        [2, 2],
                      ],
                    },
                    // Named on the y axis: a legend of dashes draws them in the lines' colours.
                    legend: null,
                  },
                }
              : {}),
            description: { field: "description" },
          },
        },
        {
          data: { values: lines },
          mark: { type: "rule", strokeDash: [4, 3], color: "#d9534f" },
          encoding: { x: { field: "x", type: "quantitative" } },
        },
        // Capacity labels inside the plot: right of their line, left of it at the last level.
        {
          data: { values: lines },
          transform: [{ filter: `datum.x < ${last}` }],
          mark: {
            type: "text",
            align: "left",
            baseline: "top",
            dx: 4,
            dy: 2,
            y: 0,
            fontSize: 10,
            color: "#d9534f",
          },
          encoding: { x: { field: "x", type: "quantitative" }, text: { field: "text" } },
        },
        {
          data: { values: lines },
          transform: [{ filter: `datum.x >= ${last}` }],
          mark: {
            type: "text",
            align: "right",
            baseline: "top",
            dx: -4,
            dy: 2,
            y: 0,
            fontSize: 10,
            color: "#d9534f",
          },
          encoding: { x: { field: "x", type: "quantitative" }, text: { field: "text" } },
        },
      ],
    } as TopLevelSpec,
  };
}

/** One earlier or current run's headline figure, for the trend. */
export interface TrendPoint {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly date: string;
  readonly value: number;
  readonly target: number | null;
}

/** Each headline figure across runs, one small chart per figure with its own axis. */
export function trendChart(points: readonly TrendPoint[]): Chart {
  const data = points
    .filter((p) => Number.isFinite(p.value))
    .map((p) => ({
      ...p,
      panel: `${p.label} (${p.unit})`,
      description: `${p.label} on ${p.date}: ${p.value}`,
    }));
  return {
    id: "trend",
    section: "trend",
    title: "Headline figures across runs",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: "Headline figures across runs (same mode and target)",
      config: CONFIG,
      data: { values: data },
      facet: {
        field: "panel",
        type: "nominal",
        // In the sections' order, as the summary lists them.
        sort: [...new Set(data.map((d) => d.panel))],
        title: null,
        header: { labelFontSize: 10, labelLimit: 320 },
      },
      columns: 3,
      resolve: { scale: { y: "independent" } },
      spec: {
        width: 230,
        height: 90,
        layer: [
          {
            mark: { type: "line", point: true },
            encoding: {
              x: {
                field: "date",
                type: "temporal",
                axis: { title: null, format: "%m-%d %H:%M", labelAngle: -30 },
              },
              y: {
                field: "value",
                type: "quantitative",
                axis: { title: null, format: ".3~r" },
                scale: { zero: false },
              },
              description: { field: "description" },
            },
          },
          {
            mark: { type: "rule", strokeDash: [4, 3], color: "#000" },
            transform: [{ filter: "datum.target != null" }],
            encoding: { y: { field: "target", type: "quantitative" } },
          },
        ],
      },
    } as TopLevelSpec,
  };
}
