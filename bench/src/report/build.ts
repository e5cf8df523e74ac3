/**
 * The report of a run: the charts of every section (ratios, absolute figures per unit, curves),
 * the trend of the headline figures across earlier runs, rendered to SVG; the self-contained
 * HTML page and the SVG for READMEs.
 */
import type { Curve } from "../harness/curve.ts";
import {
  type Figure,
  type FigureView,
  formatTarget,
  formatValue,
  RATIO,
  verdict,
} from "../harness/figure.ts";
import {
  absoluteChart,
  type Chart,
  curveChart,
  ratioChart,
  type TrendPoint,
  trendChart,
} from "./charts.ts";
import { renderSvg } from "./render.ts";
import { type RunRecord, reportTitle } from "./result.ts";

/** A chart and its SVG. */
export interface RenderedChart extends Chart {
  readonly svg: string;
}

/**
 * Every chart of a run, in page order: per section its ratios, its units, its views, its curves;
 * the trend.
 */
export function chartsOf(run: RunRecord, earlier: readonly RunRecord[]): Chart[] {
  const charts: Chart[] = [];
  for (const [name, section] of Object.entries(run.sections)) {
    const figures = section.figures;
    if (figures.some((f) => f.unit === RATIO && Number.isFinite(f.value))) {
      charts.push(ratioChart(`${name}/ratios`, name, `${name}: ratios`, figures));
    }
    const units = [
      ...new Set(
        figures.filter((f) => f.unit !== RATIO && Number.isFinite(f.value)).map((f) => f.unit),
      ),
    ];
    for (const unit of units) {
      charts.push(absoluteChart(`${name}/${unit}`, name, `${name}: ${unit}`, unit, figures));
    }
    // Figures a section wants on a chart of their own (e.g. two clients side by side).
    const views = (section.data as { views?: FigureView[] } | null)?.views ?? [];
    for (const view of views) {
      const picked = view.ids.flatMap((id) => figures.filter((f) => f.id === id));
      if (picked.some((f) => Number.isFinite(f.value))) {
        charts.push(
          absoluteChart(
            `${name}/${view.id}`,
            name,
            `${name}: ${view.title}`,
            view.unit,
            picked,
            view.series === undefined ? undefined : (f) => view.series?.[f.id] ?? "",
          ),
        );
      }
    }
    const curves = (section.data as { curves?: Curve[] } | null)?.curves ?? [];
    // A curve with no point measured (no probe session in any ramp) is left out, not drawn empty.
    for (const curve of curves.filter((c) => c.points.some((p) => Number.isFinite(p.y)))) {
      charts.push(curveChart(name, curve));
    }
  }
  const trend = trendPoints(run, earlier);
  if (new Set(trend.map((p) => p.date)).size >= 2) charts.push(trendChart(trend));
  return charts;
}

/** Headline figures of this run and of earlier runs in the same mode against the same target. */
export function trendPoints(run: RunRecord, earlier: readonly RunRecord[]): TrendPoint[] {
  const comparable = earlier.filter(
    (r) => r.settings?.mode === run.settings.mode && r.settings?.target === run.settings.target,
  );
  const ids = new Set(
    Object.values(run.sections).flatMap((s) =>
      s.figures.filter((f) => f.headline).map((f) => f.id),
    ),
  );
  const points: TrendPoint[] = [];
  for (const r of [...comparable, run]) {
    for (const section of Object.values(r.sections ?? {})) {
      for (const f of section.figures ?? []) {
        if (!ids.has(f.id)) continue;
        points.push({
          id: f.id,
          label: f.label,
          unit: f.unit,
          date: r.environment.date,
          value: f.value,
          target: f.target?.value ?? null,
        });
      }
    }
  }
  // The current run's order (its sections, then its figures); runs stay in date order per figure.
  const order = new Map([...ids].map((id, k) => [id, k]));
  return points.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

export async function renderCharts(charts: readonly Chart[]): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const chart of charts) out.push({ ...chart, svg: await renderSvg(chart.spec) });
  return out;
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function figureTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => {
    const v = verdict(f);
    const spread =
      f.spread === undefined
        ? ""
        : ` [${f.spread[0].toPrecision(3)}-${f.spread[1].toPrecision(3)}]`;
    return (
      `<tr${f.headline ? ' class="headline"' : ""}><td>${escapeHtml(f.group)}</td><td>${escapeHtml(f.label)}` +
      `${f.basis === undefined ? "" : ` <small>(${escapeHtml(f.basis)})</small>`}</td>` +
      `<td class="n">${escapeHtml(formatValue(f.value, f.unit))}${escapeHtml(spread)}</td>` +
      `<td>${escapeHtml(formatTarget(f))}</td><td class="${v}">${v}${f.note === undefined ? "" : ` <small>${escapeHtml(f.note)}</small>`}</td></tr>`
    );
  });
  return (
    `<table><thead><tr><th>group</th><th>figure</th><th>now</th><th>target</th><th>verdict</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`
  );
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:980px;color:#222;padding:0 16px}
h1{font-size:20px}h2{font-size:16px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:13px}.method{color:#444;font-size:13px}
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.MISSED{color:#c9302c;font-weight:600}.met{color:#2a6ebb}
tr.headline td{background:#f7f9fc}figure{margin:12px 0}svg{max-width:100%;height:auto}small{color:#666}
`;

/** The self-contained page: summary tables and inline SVG charts; no script, no network. */
export function html(run: RunRecord, charts: readonly RenderedChart[]): string {
  const env = run.environment;
  const git =
    typeof env.git === "string"
      ? env.git
      : `${env.git.commit}${env.git.uncommitted.length > 0 ? " + uncommitted changes" : ""}`;
  const parts: string[] = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(reportTitle(run))}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(reportTitle(run))}</h1>`,
    `<p class="meta">${escapeHtml(`${run.seconds.toFixed(1)} s; node ${env.node} on ${env.platform}, ${env.cpus} × ${env.cpu}; commit ${git}`)}</p>`,
  ];
  const sectionNames = Object.keys(run.sections);
  for (const name of sectionNames) {
    const section = run.sections[name]!;
    parts.push(`<section data-section="${escapeHtml(name)}"><h2>${escapeHtml(section.title)}</h2>`);
    if (section.skipped !== undefined) {
      parts.push(`<p class="method">Skipped: ${escapeHtml(section.skipped)}</p></section>`);
      continue;
    }
    parts.push(`<p class="method">${escapeHtml(section.method)}</p>`, figureTable(section.figures));
    for (const chart of charts.filter((c) => c.section === name)) {
      parts.push(`<figure data-chart="${escapeHtml(chart.id)}">${chart.svg}</figure>`);
    }
    parts.push("</section>");
  }
  const trend = charts.find((c) => c.id === "trend");
  if (trend !== undefined) {
    parts.push(
      `<section data-section="trend"><h2>Trend</h2><figure data-chart="trend">${trend.svg}</figure></section>`,
    );
  }
  // The run's JSON, for anyone (and the report's test) who wants the numbers behind the charts.
  parts.push(
    `<script type="application/json" id="bench-data">${JSON.stringify(run).replace(/</g, "\\u003c")}</script>`,
    "</body></html>",
    "",
  );
  return parts.join("\n");
}

/** The SVG for READMEs: every headline figure, ratios on one chart and each unit on its own. */
export async function readmeSvg(run: RunRecord): Promise<string> {
  const headline = Object.entries(run.sections).flatMap(([name, s]) =>
    s.figures
      .filter((f) => f.headline === true && Number.isFinite(f.value))
      .map((f) => ({ ...f, label: `${name}: ${f.label}` })),
  );
  const charts: Chart[] = [];
  if (headline.some((f) => f.unit === RATIO)) {
    charts.push(ratioChart("readme/ratios", "readme", "Ratios", headline));
  }
  for (const unit of new Set(headline.filter((f) => f.unit !== RATIO).map((f) => f.unit))) {
    charts.push(absoluteChart(`readme/${unit}`, "readme", unit, unit, headline));
  }
  const specs = charts.map((c) => {
    const {
      $schema: _schema,
      config: _config,
      ...rest
    } = c.spec as unknown as Record<string, unknown>;
    return rest;
  });
  return renderSvg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: reportTitle(run),
    config: { font: "system-ui, sans-serif", view: { stroke: null }, title: { anchor: "start" } },
    vconcat: specs,
  } as never);
}
