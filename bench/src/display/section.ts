/**
 * The bench's `display` section: @guacstream/display's HeadlessDisplay against guacamole-common-js
 * in headless Chromium on the corpus recordings (frames/s, CPU ms per MB, the ratio of their
 * times), the 1280×800 desktop at its recorded pace (CPU share of one core), and the peak memory
 * our layers held against three full-screen surfaces. Without Chromium the common-js side is
 * reported as not measured; the rest still runs.
 */

import type { Mode } from "../harness/cli.ts";
import { listCorpusFiles } from "../harness/corpus.ts";
import { type Figure, RATIO } from "../harness/figure.ts";
import { fmt, ratio, table, targetsTable } from "../harness/format.ts";
import type { Section, SectionContext, SectionResult, TargetStatus } from "../harness/section.ts";
import { type DisplayRow, displayRecordings, measureDisplay, PACED_RECORDING } from "./measure.ts";

/** Ours renders a recording at least as fast as common-js: common-js time / ours ≥ this. */
export const DISPLAY_RATIO_TARGET = 1;
/** The paced desktop costs at most this share of one core, in percent. */
export const PACED_CPU_TARGET = 10;
/** Our layers hold at most this many full-screen surfaces at their peak. */
export const MEMORY_SCREENS_TARGET = 3;

/** The small recording the quick and default modes render (a VNC desktop's required set). */
const SHORT_RECORDING = "vnc-required.s2c.guac";

const PLAN: Readonly<
  Record<Mode, { all: boolean; rounds: number; warmup: number; paceSeconds: number }>
> = {
  quick: { all: false, rounds: 2, warmup: 1, paceSeconds: 3 },
  default: { all: false, rounds: 3, warmup: 1, paceSeconds: 6 },
  full: { all: true, rounds: 5, warmup: 3, paceSeconds: Number.POSITIVE_INFINITY },
};

/** One full-screen surface's bytes: RGBA, rounded up to the 64-pixel tiles canvases grow by. */
export function screenBytes(width: number, height: number): number {
  return Math.ceil(width / 64) * 64 * Math.ceil(height / 64) * 64 * 4;
}

const short = (recording: string): string => recording.replace(/\.guac$/, "");

/** One recording's figures; the time ratio is a headline even when common-js was not measured. */
export function rowFigures(row: DisplayRow, notMeasured: string | undefined): Figure[] {
  const name = short(row.recording);
  const figures: Figure[] = [
    {
      id: `display/fps/${name}/ours`,
      label: `${name} frames/s, ours`,
      group: name,
      value: row.ours.fps,
      unit: "fps",
    },
    {
      id: `display/cpu/${name}/ours`,
      label: `${name} CPU per MB, ours`,
      group: name,
      value: row.ours.cpuMsPerMb,
      unit: "ms/MB",
    },
  ];
  if (row.commonJs !== undefined && row.ratio !== undefined && row.cpuRatio !== undefined) {
    figures.push(
      {
        id: `display/fps/${name}/common-js`,
        label: `${name} frames/s, common-js`,
        group: name,
        value: row.commonJs.fps,
        unit: "fps",
      },
      {
        id: `display/cpu/${name}/common-js`,
        label: `${name} CPU per MB, common-js`,
        group: name,
        value: row.commonJs.cpuMsPerMb,
        unit: "ms/MB",
      },
      {
        id: `display/ratio/${name}`,
        label: `${name} time vs common-js`,
        group: name,
        value: row.ratio.median,
        unit: RATIO,
        spread: [row.ratio.min, row.ratio.max],
        target: { op: ">=", value: DISPLAY_RATIO_TARGET },
        headline: true,
      },
      {
        id: `display/cpu-ratio/${name}`,
        label: `${name} CPU vs common-js`,
        group: name,
        value: row.cpuRatio.median,
        unit: RATIO,
        spread: [row.cpuRatio.min, row.cpuRatio.max],
      },
    );
  } else {
    figures.push({
      id: `display/ratio/${name}`,
      label: `${name} time vs common-js`,
      group: name,
      value: Number.NaN,
      unit: RATIO,
      target: { op: ">=", value: DISPLAY_RATIO_TARGET },
      headline: true,
      note: `common-js not measured: ${notMeasured ?? "no rounds"}`,
    });
  }
  const screens = row.memory.peakBytes / screenBytes(row.memory.width, row.memory.height);
  figures.push({
    id: `display/memory/${name}`,
    label: `${name} peak layers, full screens`,
    group: name,
    value: screens,
    unit: "screens",
    target: { op: "<=", value: MEMORY_SCREENS_TARGET },
    headline: true,
    note: `${(row.memory.peakBytes / 2 ** 20).toFixed(1)} MiB at ${row.memory.width}x${row.memory.height}`,
  });
  return figures;
}

export const displaySection: Section = {
  name: "display",
  title: "Display: HeadlessDisplay vs guacamole-common-js in Chromium, and paced CPU",
  estimateSeconds: { quick: 12, default: 16, full: 150 },
  async run(ctx: SectionContext): Promise<SectionResult> {
    const plan = PLAN[ctx.mode];
    const all = displayRecordings(listCorpusFiles());
    // `--filter` picks among every recording in any mode; without it the short modes take one.
    const recordings =
      ctx.filter !== undefined
        ? all.filter((f) => f.includes(ctx.filter as string))
        : plan.all
          ? all
          : all.filter((f) => f === SHORT_RECORDING);
    ctx.progress.plan(recordings.length + 1);
    const measured = await measureDisplay({
      recordings,
      rounds: plan.rounds,
      warmup: plan.warmup,
      wire: "bytes",
      paceSeconds: plan.paceSeconds,
      onStep: (label) => {
        ctx.progress.step(label);
        ctx.run?.phase(label);
      },
      signal: ctx.run?.signal,
    });
    const figures = measured.rows.flatMap((row) => rowFigures(row, measured.commonJsMissing));
    const targets: TargetStatus[] = [];
    ctx.log(
      `rounds ${plan.rounds} after ${plan.warmup} warm-up pass(es), interleaved; blobs as bytes`,
    );
    if (measured.commonJsMissing !== undefined) {
      ctx.log(`common-js not measured: ${measured.commonJsMissing}`);
    }
    ctx.log();
    ctx.log("## Rendering as fast as possible (ratio: common-js time / ours, median [range])");
    ctx.log(
      table(
        [
          "recording",
          "MB",
          "frames",
          "ours fps",
          "ours ms/MB",
          "cjs fps",
          "cjs ms/MB",
          "time",
          "CPU",
        ],
        measured.rows.map((r) => [
          r.recording,
          r.mb.toFixed(2),
          String(r.frames),
          fmt(r.ours.fps),
          fmt(r.ours.cpuMsPerMb),
          fmt(r.commonJs?.fps),
          fmt(r.commonJs?.cpuMsPerMb),
          r.ratio === undefined
            ? "-"
            : `${ratio(r.ratio.median)} [${r.ratio.min.toFixed(2)}-${r.ratio.max.toFixed(2)}]`,
          r.cpuRatio === undefined
            ? "-"
            : `${ratio(r.cpuRatio.median)} [${r.cpuRatio.min.toFixed(2)}-${r.cpuRatio.max.toFixed(2)}]`,
        ]),
      ),
    );
    for (const r of measured.rows) {
      if (r.ratio === undefined) continue;
      targets.push({
        input: short(r.recording),
        case: "render time",
        against: "guacamole-common-js",
        target: DISPLAY_RATIO_TARGET,
        ratio: r.ratio.median,
        met: r.ratio.median >= DISPLAY_RATIO_TARGET,
      });
    }
    const paced = measured.paced;
    if (paced !== undefined) {
      const percent = paced.share * 100;
      const seconds = paced.wallMs / 1000;
      figures.push({
        id: "display/paced-cpu",
        label: "1280x800 desktop at its pace, CPU",
        group: "paced",
        value: percent,
        unit: "% core",
        target: { op: "<=", value: PACED_CPU_TARGET },
        headline: true,
        note: `over ${seconds.toFixed(1)} s`,
      });
      ctx.log();
      ctx.log(
        `## ${PACED_RECORDING} at its recorded pace: ${paced.cpuMs.toFixed(0)} ms CPU over ${seconds.toFixed(1)} s (${paced.frames} frames) = ${percent.toFixed(1)}% of one core`,
      );
    }
    ctx.log();
    ctx.log("## Targets (display)");
    ctx.log(targetsTable("recording", targets));
    return {
      data: measured,
      figures,
      method:
        "each recording rendered flat out, ours in a warmed Node child vs common-js in Chromium; ratio = their time / ours, median [range] of rounds" +
        (Number.isFinite(plan.paceSeconds)
          ? `; paced CPU over the desktop's first ${plan.paceSeconds} s`
          : ""),
    };
  },
};
