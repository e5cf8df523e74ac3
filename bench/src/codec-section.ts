import {
  type Agreement,
  type BenchCase,
  type CodecContext,
  checkAgreement,
  codecCases,
  decodeReference,
  type Outcome,
  REFERENCE_FEEDS,
} from "./codec-cases.ts";
import { type BenchInput, listCorpusFiles, loadCorpusInput, makeInput } from "./corpus.ts";
import { fmt, ratio, table, targetsTable } from "./format.ts";
import { type Measurement, measure } from "./measure.ts";
import type {
  ChartGroup,
  Section,
  SectionContext,
  SectionResult,
  TargetStatus,
} from "./section.ts";
import { clientSideStream } from "./synthetic.ts";
import { commonJsParser, liteParser } from "./upstream.ts";

/** One case's numbers on one input. */
export interface CaseResult {
  readonly id: string;
  readonly label: string;
  readonly group: string;
  readonly kind: string;
  readonly bytesPerRun: number;
  readonly outcome: Outcome;
  /** Null when the case failed on this input (it is then not timed). */
  readonly measurement: Measurement | null;
  readonly mbPerS: number | null;
  readonly instructionsPerS: number | null;
  /** Speed relative to the faster upstream feed (for encoders: to upstream's encoder). */
  readonly ratioVsUpstream: number | null;
  /** Null if this case cannot count instructions; else whether it matched our decoder. */
  readonly countOk: boolean | null;
}

export interface InputResult {
  readonly name: string;
  readonly bytes: number;
  readonly chunks: number;
  readonly instructions: number;
  readonly referenceError?: string;
  /** Which upstream feed was faster in this run: the reference for every ratio. */
  readonly fastestUpstream: string | null;
  readonly cases: readonly CaseResult[];
  /** ratios[ours id][baseline id] = baseline median / ours median (>1: ours faster). */
  readonly ratios: Record<string, Record<string, number | null>>;
  readonly agreement: readonly Agreement[];
  readonly notes: readonly string[];
}

/** The targets: ratio of ours (pipeThrough, 64 KiB chunks) to the faster upstream feed. */
function targetsFor(name: string): { caseId: string; target: number }[] {
  const base = name.split("/").pop() ?? name;
  if (/^vnc.*\.s2c\.guac$/.test(base)) {
    return [
      { caseId: "decoder-stream", target: 1.5 },
      { caseId: "frame-stream", target: 2 },
    ];
  }
  if (/^ssh.*\.s2c\.guac$/.test(base) || name.startsWith("synthetic:")) {
    return [{ caseId: "decoder-stream", target: 2 }];
  }
  return [];
}

function loadInputs(ctx: SectionContext): BenchInput[] {
  const inputs: BenchInput[] = [];
  const wanted = (name: string): boolean => ctx.filter === undefined || name.includes(ctx.filter);
  for (const name of listCorpusFiles())
    if (wanted(name)) inputs.push(loadCorpusInput(name, undefined, ctx.chunkBytes));
  const syntheticName = "synthetic:client-small-instructions";
  if (wanted(syntheticName)) {
    const stream = clientSideStream();
    inputs.push(makeInput(syntheticName, stream.bytes, true, ctx.chunkBytes));
  }
  return inputs;
}

export async function benchInput(
  input: BenchInput,
  codec: CodecContext,
  ctx: SectionContext,
): Promise<InputResult> {
  const notes: string[] = [];
  const reference = decodeReference(input);
  const count = reference.instructions.length;
  if (reference.error !== undefined) {
    notes.push(`our decoder rejects this input: ${reference.error} (after ${count} instructions)`);
  }
  const cases = codecCases(input, reference.instructions, input.bytes.length, codec);

  const measured: { c: BenchCase; outcome: Outcome; m: Measurement | null }[] = [];
  for (const c of cases) {
    // One untimed run first: its outcome is what we check, and a failing case is not timed.
    const outcome = await c.run();
    const m = outcome.error === undefined ? await measure(() => c.run(), ctx.measure) : null;
    measured.push({ c, outcome, m });
  }
  // Encoders move as many bytes as they write; take it from our encoder's own run.
  const encoded = measured.find((x) => x.c.id === "encoder-stream")?.outcome.bytes;
  const bytesOf = (c: BenchCase): number =>
    c.kind === "encode" && encoded !== undefined && Number.isFinite(encoded)
      ? encoded
      : c.bytesPerRun;

  let fastestUpstream: (typeof measured)[number] | undefined;
  for (const x of measured) {
    if (!REFERENCE_FEEDS.includes(x.c.id) || x.m === null) continue;
    if (fastestUpstream?.m == null || x.m.medianMs < fastestUpstream.m.medianMs)
      fastestUpstream = x;
  }
  const upstreamEncoder = measured.find((x) => x.c.id === "lite-encode");

  const results: CaseResult[] = measured.map(({ c, outcome, m }) => {
    const against = c.kind === "encode" ? upstreamEncoder : fastestUpstream;
    const ratioVsUpstream =
      m !== null && against?.m != null ? against.m.medianMs / m.medianMs : null;
    const countOk = Number.isFinite(outcome.instructions)
      ? outcome.instructions === count && outcome.error === undefined
      : null;
    return {
      id: c.id,
      label: c.label,
      group: c.group,
      kind: c.kind,
      bytesPerRun: bytesOf(c),
      outcome,
      measurement: m,
      mbPerS: m === null ? null : bytesOf(c) / 1e6 / (m.medianMs / 1e3),
      instructionsPerS: m === null || c.kind === "floor" ? null : count / (m.medianMs / 1e3),
      ratioVsUpstream,
      countOk,
    };
  });

  // Checks beyond the counts: frames must add up to the input; re-encoding must give it back.
  for (const r of results) {
    const { outcome } = r;
    if (r.kind === "frame" && outcome.error === undefined && outcome.bytes !== input.bytes.length) {
      notes.push(`${r.id}: framed ${outcome.bytes} bytes of ${input.bytes.length}`);
    }
    if (r.id === "encoder-stream" && outcome.error === undefined) {
      if (outcome.bytes !== input.bytes.length) {
        notes.push(
          `re-encoding gives ${outcome.bytes} bytes, the input has ${input.bytes.length}: ` +
            "malformed UTF-8 in the input comes back as U+FFFD (3 bytes), as TextDecoder reads it",
        );
      }
    }
  }

  const ratios: Record<string, Record<string, number | null>> = {};
  for (const ours of results.filter((r) => r.group === "ours")) {
    const row: Record<string, number | null> = {};
    for (const other of results.filter((r) => r.group !== "ours")) {
      row[other.id] =
        ours.measurement !== null && other.measurement !== null
          ? other.measurement.medianMs / ours.measurement.medianMs
          : null;
    }
    ratios[ours.id] = row;
  }

  const agreement = checkAgreement(input, reference.instructions, codec);
  return {
    name: input.name,
    bytes: input.bytes.length,
    chunks: input.chunks.length,
    instructions: count,
    ...(reference.error === undefined ? {} : { referenceError: reference.error }),
    fastestUpstream: fastestUpstream?.c.id ?? null,
    cases: results,
    ratios,
    agreement,
    notes,
  };
}

function printInput(result: InputResult, ctx: SectionContext): void {
  ctx.log();
  ctx.log(
    `## ${result.name}: ${result.bytes.toLocaleString("en-US")} bytes, ` +
      `${result.instructions.toLocaleString("en-US")} instructions, ${result.chunks} chunks of ${ctx.chunkBytes} B` +
      (result.fastestUpstream === null ? "" : `; ratios vs ${result.fastestUpstream}`),
  );
  const rows = result.cases.map((r) => {
    const m = r.measurement;
    let check: string;
    if (r.outcome.error !== undefined) {
      check = `FAILED after ${r.outcome.instructions} instr`;
    } else if (r.countOk === null) check = "";
    else check = r.countOk ? "ok" : `COUNT ${r.outcome.instructions} != ${result.instructions}`;
    return [
      r.label,
      fmt(r.mbPerS),
      fmt(r.instructionsPerS),
      m === null ? "-" : m.medianMs.toFixed(3),
      m === null ? "-" : `${m.minMs.toFixed(2)}-${m.maxMs.toFixed(2)}`,
      fmt(m?.gcMsPerRun, 2),
      fmt(m?.heapMBPerRun, 2),
      ratio(r.ratioVsUpstream),
      check,
    ];
  });
  ctx.log(
    table(
      ["case", "MB/s", "instr/s", "median ms", "min-max ms", "GC ms", "heap MB", "vs up", "count"],
      rows,
    ),
  );
  const baselineIds = result.cases.filter((r) => r.group !== "ours").map((r) => r.id);
  const matrix = Object.entries(result.ratios).map(([id, row]) => [
    id,
    ...baselineIds.map((b) => ratio(row[b])),
  ]);
  ctx.log();
  ctx.log("ours as a ratio to each baseline (baseline median / ours median; >1 = ours faster):");
  ctx.log(table(["ours \\ baseline", ...baselineIds], matrix));
  const problems = result.agreement.filter(
    (a) => a.error !== undefined || a.differing > 0 || a.instructions !== a.reference,
  );
  for (const a of problems) {
    ctx.log(
      `! ${a.parser} disagrees with ours: ${a.instructions} instructions vs ${a.reference}` +
        (a.differing > 0 ? `, ${a.differing} differ (first ${a.firstDifference})` : "") +
        (a.error === undefined ? "" : `; threw ${a.error}`),
    );
  }
  if (problems.length === 0) {
    ctx.log("all upstream parsers agree with ours, instruction by instruction");
  }
  for (const note of result.notes) ctx.log(`note: ${note}`);
}

/** Builds the codec section: decode, frame and encode on every corpus file and a synthetic stream. */
export const codecSection: Section = {
  name: "codec",
  title: "Codec: decode, frame, encode, fed in TCP-read-sized chunks",
  async run(ctx: SectionContext): Promise<SectionResult> {
    const codec: CodecContext = { lite: liteParser(), commonJs: commonJsParser() };
    const inputs = loadInputs(ctx);
    const results: InputResult[] = [];
    const chart: ChartGroup[] = [];
    const targets: TargetStatus[] = [];
    for (const input of inputs) {
      const result = await benchInput(input, codec, ctx);
      results.push(result);
      printInput(result, ctx);
      const wanted = targetsFor(input.name);
      chart.push({
        title: `${result.name} (vs ${result.fastestUpstream ?? "?"})`,
        bars: result.cases
          .filter((r) => r.group === "ours")
          .map((r) => {
            const target = wanted.find((t) => t.caseId === r.id)?.target;
            return {
              label: r.kind === "encode" ? `${r.id} (vs lite-encode)` : r.id,
              value: r.ratioVsUpstream ?? 0,
              ...(target === undefined ? {} : { target }),
            };
          }),
      });
      for (const t of wanted) {
        const r = result.cases.find((c) => c.id === t.caseId);
        const value = r?.ratioVsUpstream ?? 0;
        targets.push({
          input: input.name,
          case: t.caseId,
          against: result.fastestUpstream ?? "?",
          target: t.target,
          ratio: value,
          met: value >= t.target,
        });
      }
    }
    if (targets.length > 0) {
      ctx.log();
      ctx.log("## Targets (ours through pipeThrough vs the faster upstream feed, same run)");
      ctx.log(targetsTable("input", targets, (t) => [ratio(t.target), ratio(t.ratio)]));
    }
    return { data: { inputs: results }, chart, targets };
  },
};
