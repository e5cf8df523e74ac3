/**
 * The codec section: decode, frame and encode on every corpus recording and a synthetic client
 * stream, each (case, input) in its own warmed-up process, cases interleaved in rounds, ratios to
 * upstream's parser fed by `node:string_decoder` as medians of per-round ratios with their spread
 * (method: `isolated/harness.ts`). Before timing, every upstream parser and feed is run once in
 * this process and compared with our decoder instruction by instruction.
 */

import type { Mode } from "../harness/cli.ts";
import { listCorpusFiles, loadCorpusInput, makeInput } from "../harness/corpus.ts";
import { type Figure, RATIO } from "../harness/figure.ts";
import { fmt, ratio, table, targetsTable } from "../harness/format.ts";
import type { Section, SectionContext, SectionResult, TargetStatus } from "../harness/section.ts";
import {
  ISOLATED_DEFAULT,
  ISOLATED_FULL,
  ISOLATED_QUICK,
  type IsolatedCase,
  type IsolatedInput,
  runIsolated,
} from "../isolated/harness.ts";
import { type Spread, spread } from "../isolated/steady.ts";
import { type Agreement, checkAgreement, decodeReference } from "./agreement.ts";
import type { CodecContext } from "./cases/index.ts";
import { clientSideStream } from "./synthetic.ts";
import { commonJsParser, liteParser } from "./upstream.ts";

/** Every ratio's reference: the parser guacamole-lite runs, fed as its GuacdClient feeds it. */
export const REFERENCE = "lite+string_decoder";
const SYNTHETIC = "synthetic:client-small-instructions";

const OURS_QUICK = ["decoder-stream", "batch-decoder-stream", "frame-stream"];
/**
 * What each stream case's shape costs with its work free: the same source, pipe and reads, the
 * outputs made beforehand.
 */
const PIPE_FLOORS = ["floor-pipe-reads", "floor-pipe-batches", "floor-pipe-frames"];
/** What a reader alone pays for one chunk per instruction (frame): no source, no pipe. */
const READER_FLOORS = ["floor-stream-reads", "floor-stream-frames"];
/** Per mode, the cases timed: quick only what the targets need; default adds the pipe floors. */
const CASES_OF: Readonly<Record<Exclude<Mode, "full">, readonly string[]>> = {
  quick: [...OURS_QUICK, REFERENCE],
  default: [...OURS_QUICK, REFERENCE, ...PIPE_FLOORS],
};
/** The pipe floor that bounds each stream case, and the core that does its work. */
const BOUNDS_OF: Readonly<Record<string, { floor: string; core: string }>> = {
  "decoder-stream": { floor: "floor-pipe-reads", core: "decoder-core" },
  "batch-decoder-stream": { floor: "floor-pipe-batches", core: "decoder-core" },
  "frame-stream": { floor: "floor-pipe-frames", core: "framer-core" },
};
const FULL_CASES = [
  ...OURS_QUICK,
  "frame-stream-coalesce",
  "decoder-core",
  "framer-core",
  "encoder-stream",
  REFERENCE,
  "lite+TextDecoder",
  "lite-encode",
  "floor-string-decoder",
  "floor-textdecoder",
  "floor-memcpy",
  ...PIPE_FLOORS,
  ...READER_FLOORS,
];
/** Quick and default modes time only the inputs the targets name (one of each kind). */
const QUICK_INPUTS = ["vnc-desktop.s2c.guac", "ssh-text.s2c.guac", SYNTHETIC];

/** The targets: ours through pipeThrough vs upstream + string_decoder, 64 KiB reads. */
export function targetsFor(name: string): { caseId: string; target: number }[] {
  const base = name.split("/").pop() ?? name;
  if (/^vnc.*\.s2c\.guac$/.test(base)) {
    return [
      { caseId: "batch-decoder-stream", target: 1.5 },
      { caseId: "decoder-stream", target: 1 },
      { caseId: "frame-stream", target: 2 },
    ];
  }
  if (/^ssh.*\.s2c\.guac$/.test(base) || name.startsWith("synthetic:")) {
    return [
      { caseId: "decoder-stream", target: 2 },
      { caseId: "batch-decoder-stream", target: 3 },
    ];
  }
  return [];
}

function inputNames(ctx: SectionContext): string[] {
  const all = [...listCorpusFiles(), SYNTHETIC];
  const chosen = ctx.mode === "full" ? all : all.filter((n) => QUICK_INPUTS.includes(n));
  return chosen.filter((n) => ctx.filter === undefined || n.includes(ctx.filter));
}

/**
 * Our decoder's instruction count (every case's count is checked against it) and the upstream
 * parsers checked against ours, instruction by instruction (untimed, in this process).
 */
function referenceOf(
  name: string,
  ctx: SectionContext,
  codec: CodecContext,
): { instructions: number; agreement: Agreement[] } {
  const input =
    name === SYNTHETIC
      ? makeInput(name, clientSideStream().bytes, true, ctx.chunkBytes)
      : loadCorpusInput(name, undefined, ctx.chunkBytes);
  const reference = decodeReference(input).instructions;
  return { instructions: reference.length, agreement: checkAgreement(input, reference, codec) };
}

function spreadCell(s: Spread | null): string {
  if (s === null || !Number.isFinite(s.median)) return "-";
  return `${ratio(s.median)} [${s.min.toFixed(2)}-${s.max.toFixed(2)}]`;
}

/** The encoder is compared with upstream's encoder, round by round, not with a decoder. */
function encoderRatio(result: IsolatedInput): Spread | null {
  const ours = result.cases.find((c) => c.id === "encoder-stream");
  const theirs = result.cases.find((c) => c.id === "lite-encode");
  if (ours === undefined || theirs === undefined) return null;
  return spread(ours.roundMs.map((ms, k) => theirs.roundMs[k]! / ms));
}

/**
 * What bounds a stream case, as a note for its target: the ratio of its pipe floor (the stream's
 * shape with the work free; a target above it cannot be met by decoding faster, only by yielding
 * fewer chunks), and where the core was timed too (full mode), the ratio their two times add up
 * to, which is what the stream would reach if running both together cost nothing extra.
 */
export function boundNote(result: IsolatedInput, caseId: string): string | undefined {
  const bounds = BOUNDS_OF[caseId];
  if (bounds === undefined) return undefined;
  const ratioOfCase = (id: string): number | undefined =>
    result.cases.find((x) => x.id === id)?.ratio?.median;
  const floor = ratioOfCase(bounds.floor);
  if (floor === undefined) return undefined;
  const core = ratioOfCase(bounds.core);
  const alone = `${bounds.floor} alone: ${ratio(floor)}`;
  if (core === undefined) return alone;
  return `${alone}; + ${bounds.core}: ${ratio(1 / (1 / floor + 1 / core))}`;
}

function ratioOf(result: IsolatedInput, c: IsolatedCase): Spread | null {
  if (c.id === "encoder-stream") return encoderRatio(result);
  if (c.id === "lite-encode") return null;
  return c.ratio;
}

function printInput(
  result: IsolatedInput,
  instructions: number,
  agreement: Agreement[],
  ctx: SectionContext,
): void {
  ctx.log();
  ctx.log(
    `## ${result.input}: ${instructions.toLocaleString("en-US")} instructions; ` +
      `ratios vs ${result.reference} (encoder vs lite-encode), median of per-round ratios [min-max]`,
  );
  const rows = result.cases.map((c) => {
    const check =
      !Number.isFinite(c.outcome.instructions) || c.outcome.instructions === instructions
        ? "ok"
        : `COUNT ${c.outcome.instructions}`;
    return [
      c.id,
      fmt(c.mbPerS),
      c.ms.median.toFixed(3),
      `${c.ms.min.toFixed(2)}-${c.ms.max.toFixed(2)}`,
      `${c.warmup.curve.length}${c.warmup.steady ? "" : "!"}`,
      `${(c.warmup.cv * 100).toFixed(1)}%`,
      fmt(c.gcMsPerRun, 2),
      spreadCell(ratioOf(result, c)),
      check,
    ];
  });
  ctx.log(
    table(
      ["case", "MB/s", "median ms", "rounds min-max", "warm-up", "cv", "GC ms", "ratio", "count"],
      rows,
    ),
  );
  for (const [id, why] of Object.entries(result.failed)) ctx.log(`! ${id} not timed: ${why}`);
  const problems = agreement.filter(
    (a) => a.error !== undefined || a.differing > 0 || a.instructions !== a.reference,
  );
  for (const a of problems) {
    ctx.log(
      `! ${a.parser} disagrees with ours: ${a.instructions} instructions vs ${a.reference}` +
        (a.differing > 0 ? `, ${a.differing} differ (first ${a.firstDifference})` : "") +
        (a.error === undefined ? "" : `; threw ${a.error}`),
    );
  }
}

/** How an input is named in the summary: the recording's name without its suffix. */
function shortName(input: string): string {
  return input
    .replace(/\.s2c\.guac$/, "")
    .replace(/^synthetic:client-small-instructions$/, "synthetic");
}

/** Our cases' ratios on one input as figures; the ones with a target are the headline. */
function figuresOf(result: IsolatedInput): Figure[] {
  const wanted = targetsFor(result.input);
  const group = shortName(result.input);
  return result.cases
    .filter((c) => OURS_QUICK.includes(c.id) || c.id.endsWith("-core") || c.id === "encoder-stream")
    .map((c) => {
      const s = ratioOf(result, c);
      const target = wanted.find((t) => t.caseId === c.id)?.target;
      // What the stream's shape allows at most on this machine, where its floor was timed.
      const floorId = BOUNDS_OF[c.id]?.floor;
      const floor = result.cases.find((x) => x.id === floorId)?.ratio?.median;
      const note =
        target === undefined || floor === undefined ? undefined : `floor ${ratio(floor)}`;
      return {
        id: `codec/${result.input}/${c.id}`,
        label: c.id === "encoder-stream" ? `${group} ${c.id} vs lite-encode` : `${group} ${c.id}`,
        group,
        value: s?.median ?? Number.NaN,
        unit: RATIO,
        ...(s === null ? {} : { spread: [s.min, s.max] as const }),
        ...(target === undefined
          ? {}
          : { target: { op: ">=" as const, value: target }, headline: true }),
        ...(note === undefined ? {} : { note }),
      };
    });
}

/** Builds the codec section. */
export const codecSection: Section = {
  name: "codec",
  title: "Codec: decode, frame, encode; each case in its own warmed-up process",
  estimateSeconds: { quick: 10, default: 18, full: 400 },
  async run(ctx: SectionContext): Promise<SectionResult> {
    const codec: CodecContext = { lite: liteParser(), commonJs: commonJsParser() };
    const base =
      ctx.mode === "full"
        ? ISOLATED_FULL
        : ctx.mode === "default"
          ? ISOLATED_DEFAULT
          : ISOLATED_QUICK;
    const options = { ...base, chunkBytes: ctx.chunkBytes };
    const caseIds = ctx.mode === "full" ? FULL_CASES : CASES_OF[ctx.mode];
    ctx.log(
      `method: each (case, input) in its own process; warm-up until the CV of the last ` +
        `${options.rule.window} passes < ${options.rule.maxCv * 100}% or ${options.rule.maxPasses} ` +
        `passes ("!" = not steady); then ${options.rounds} rounds of ${options.passesPerRound} ` +
        `passes, order rotating; a pass >= ${options.minPassMs} ms; chunks of ${ctx.chunkBytes} B`,
    );
    const names = inputNames(ctx);
    ctx.progress.plan(names.length * (options.rounds + 1));
    const inputs: { result: IsolatedInput; instructions: number; agreement: Agreement[] }[] = [];
    const figures: Figure[] = [];
    const targets: TargetStatus[] = [];
    for (const name of names) {
      const { instructions, agreement } = referenceOf(name, ctx, codec);
      const result = await runIsolated(name, caseIds, REFERENCE, options, (step) =>
        ctx.progress.step(`${shortName(name)}: ${step}`),
      );
      inputs.push({ result, instructions, agreement });
      printInput(result, instructions, agreement, ctx);
      figures.push(...figuresOf(result));
      for (const t of targetsFor(name)) {
        const c = result.cases.find((x) => x.id === t.caseId);
        const value = c?.ratio?.median ?? 0;
        const note = boundNote(result, t.caseId);
        targets.push({
          input: name,
          case: t.caseId,
          against: REFERENCE,
          target: t.target,
          ratio: value,
          met: value >= t.target,
          ...(note === undefined ? {} : { note }),
        });
      }
    }
    if (targets.length > 0) {
      ctx.log();
      ctx.log(`## Targets (isolated processes; median of per-round ratios vs ${REFERENCE})`);
      ctx.log(targetsTable("input", targets));
    }
    return {
      data: { method: options, cases: caseIds, inputs },
      figures,
      method:
        `ratio = ${REFERENCE} time / ours (>1: faster), each case in its own warmed-up process, ` +
        `median [min-max] of ${options.rounds} interleaved rounds; the target cases` +
        (ctx.mode === "full" ? "" : ` on its ${QUICK_INPUTS.length} target inputs`),
    };
  },
};
