import type { ChartGroup } from "../harness/section.ts";

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Bars of plain values (ms, fps, sessions …), scaled to the group's own largest value. */
function valueBars(
  out: string[],
  group: ChartGroup,
  top: number,
  labelWidth: number,
  plotWidth: number,
  barHeight: number,
  gap: number,
): number {
  const finite = group.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0));
  const max = Math.max(...finite, 1e-9);
  let y = top;
  group.bars.forEach((bar, k) => {
    const width = (Math.max(0, finite[k]!) / max) * plotWidth;
    const text = Number.isFinite(bar.value)
      ? `${Number(bar.value.toPrecision(3))} ${group.unit}`
      : "-";
    out.push(
      `<text x="${labelWidth - 6}" y="${y + 12}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight}" fill="#7b8fa6"/>`,
      `<text x="${(labelWidth + width + 4).toFixed(1)}" y="${y + 12}">${escapeXml(text)}</text>`,
    );
    y += barHeight + gap;
  });
  return y;
}

/**
 * A horizontal bar chart of ratios (1 = as fast as the reference), one block per input, with the
 * 1x line and each bar's target as a tick. Groups with a `unit` show plain values on their own
 * scale instead (the operator figures from a guacd). Plain SVG, no dependencies.
 */
export function ratioChart(title: string, groups: readonly ChartGroup[]): string {
  const labelWidth = 260;
  const plotWidth = 560;
  const barHeight = 16;
  const gap = 4;
  const allValues = groups
    .filter((g) => g.unit === undefined)
    .flatMap((g) => g.bars.flatMap((b) => [b.value, b.target ?? 0]));
  const max = Math.max(2, Math.ceil(Math.max(...allValues, 0) + 0.5));
  const x = (value: number): number => labelWidth + (Math.max(0, value) / max) * plotWidth;
  const out: string[] = [];
  let y = 40;
  for (const group of groups) {
    out.push(`<text x="8" y="${y + 12}" font-weight="bold">${escapeXml(group.title)}</text>`);
    y += 20;
    if (group.unit !== undefined) {
      y = valueBars(out, group, y, labelWidth, plotWidth, barHeight, gap) + 10;
      continue;
    }
    for (const bar of group.bars) {
      const missed = bar.target !== undefined && bar.value < bar.target;
      const fill = missed ? "#d9534f" : bar.value >= 1 ? "#4a90d9" : "#f0ad4e";
      out.push(
        `<text x="${labelWidth - 6}" y="${y + 12}" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${(x(bar.value) - labelWidth).toFixed(1)}" ` +
          `height="${barHeight}" fill="${fill}"/>`,
        `<text x="${(x(bar.value) + 4).toFixed(1)}" y="${y + 12}">${bar.value.toFixed(2)}x</text>`,
      );
      if (bar.target !== undefined) {
        const tx = x(bar.target).toFixed(1);
        out.push(
          `<line x1="${tx}" x2="${tx}" y1="${y - 2}" y2="${y + barHeight + 2}" stroke="#000" ` +
            `stroke-width="2"><title>target ${bar.target}x</title></line>`,
        );
      }
      y += barHeight + gap;
    }
    y += 10;
  }
  const height = y + 20;
  const width = labelWidth + plotWidth + 80;
  const grid: string[] = [];
  for (let v = 0; v <= max; v++) {
    const gx = x(v).toFixed(1);
    grid.push(
      `<line x1="${gx}" x2="${gx}" y1="30" y2="${y}" stroke="${v === 1 ? "#333" : "#ddd"}" ` +
        `stroke-dasharray="${v === 1 ? "4 2" : "0"}"/>`,
      `<text x="${gx}" y="${y + 14}" text-anchor="middle">${v}x</text>`,
    );
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...grid,
    ...out,
    "</svg>",
    "",
  ].join("\n");
}
