import { describe, expect, test } from "vitest";
import { CHUNK_BYTES, listCorpusFiles, loadCorpusInput, makeInput } from "../harness/corpus.ts";
import { type IsolatedCase, type IsolatedInput, runIsolated } from "../isolated/harness.ts";
import { coefficientOfVariation, isSteady, spread, warmupDone } from "../isolated/steady.ts";
import { checkAgreement, decodeReference } from "./agreement.ts";
import { type CodecContext, codecCases } from "./cases/index.ts";
import { boundNote, targetsFor } from "./section.ts";
import { clientSideStream } from "./synthetic.ts";
import { commonJsParser, liteParser } from "./upstream.ts";

const codec: CodecContext = { lite: liteParser(), commonJs: commonJsParser() };

describe("codec bench", () => {
  test("the synthetic client stream is deterministic and every parser reads it as ours does", () => {
    const small = clientSideStream(20_000);
    expect(clientSideStream(20_000).bytes).toEqual(small.bytes);
    const input = makeInput("synthetic:tiny", small.bytes, true);
    const reference = decodeReference(input);
    expect(reference.instructions.length).toBe(small.instructions);
    const agreement = checkAgreement(input, reference.instructions, codec);
    expect(agreement.map((a) => a.parser)).toContain("lite+string_decoder");
    expect(agreement.every((a) => a.differing === 0 && a.error === undefined)).toBe(true);
  });

  test("a baseline that gets real traffic wrong is reported, not hidden", () => {
    // ssh-text.c2s's `connect` carries an astral character: guacamole-common-js 1.5.0 counts
    // UTF-16 units and loses its place there.
    const name = listCorpusFiles().find((n) => n === "ssh-text.c2s.guac");
    expect(name).toBeDefined();
    const input = loadCorpusInput(name!);
    expect(input.chunks.every((c) => c.length <= CHUNK_BYTES)).toBe(true);
    const reference = decodeReference(input);
    expect(reference.instructions.length).toBe(109);
    const agreement = checkAgreement(input, reference.instructions, codec);
    expect(agreement.find((a) => a.parser === "common-js+TextDecoder")?.error).toMatch(
      /terminator/,
    );
    const lite = agreement.find((a) => a.parser === "lite+string_decoder");
    expect(lite).toMatchObject({ instructions: 109, differing: 0 });
  });

  test("targets: VNC batch 1.5x, stream 1x, frames 2x; SSH and small 2x, 3x", () => {
    expect(targetsFor("vnc-desktop-20s.s2c.guac")).toEqual([
      { caseId: "batch-decoder-stream", target: 1.5 },
      { caseId: "decoder-stream", target: 1 },
      { caseId: "frame-stream", target: 2 },
    ]);
    expect(targetsFor("synthetic:client-small-instructions").map((t) => t.target)).toEqual([2, 3]);
    expect(targetsFor("vnc-desktop.c2s.guac")).toEqual([]);
  });

  test("each pipe floor yields what its stream case yields, from the same source and pipe", async () => {
    // Small reads, so that instructions straddle chunks and some chunks complete none.
    const name = listCorpusFiles().find((n) => n === "ssh-text.s2c.guac")!;
    const input = loadCorpusInput(name, undefined, 997);
    const reference = decodeReference(input).instructions;
    const cases = codecCases(input, reference, input.bytes.length, codec);
    const run = async (id: string) => {
      const c = cases.find((x) => x.id === id)!;
      return c.run();
    };
    for (const [floor, ours] of [
      ["floor-pipe-reads", "decoder-stream"],
      ["floor-pipe-batches", "batch-decoder-stream"],
      ["floor-pipe-frames", "frame-stream"],
    ] as const) {
      const expected = await run(ours);
      expect(expected.instructions).toBe(reference.length);
      // Twice: the first pass prepares the outputs, the second reuses them.
      for (let pass = 0; pass < 2; pass++) expect(await run(floor)).toEqual(expected);
    }
  });

  test("a stream target's note gives its pipe floor and, with the core timed, both added up", () => {
    const at = (id: string, median: number): IsolatedCase =>
      ({ id, ratio: { median, min: median, max: median, n: 1 } }) as unknown as IsolatedCase;
    const result = (cases: IsolatedCase[]): IsolatedInput => ({
      input: "x",
      reference: "lite+string_decoder",
      cases,
      failed: {},
    });
    const quick = result([at("frame-stream", 1.5), at("floor-pipe-frames", 3)]);
    expect(boundNote(quick, "frame-stream")).toBe("floor-pipe-frames alone: 3.00x");
    // 1 / (1/3 + 1/6) = 2: the two times added, as if running both together cost nothing extra.
    const full = result([at("floor-pipe-frames", 3), at("framer-core", 6)]);
    expect(boundNote(full, "frame-stream")).toBe(
      "floor-pipe-frames alone: 3.00x; + framer-core: 2.00x",
    );
    expect(boundNote(full, "decoder-stream")).toBeUndefined();
    expect(boundNote(full, "encoder-stream")).toBeUndefined();
  });
});

describe("warm-up rule", () => {
  const rule = { window: 10, maxCv: 0.05, maxPasses: 25 };

  test("a JIT-like curve (slow first passes, then flat) is steady only once the flat part fills the window", () => {
    const curve = [90, 60, 30, 20, 12, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10];
    expect(isSteady(curve.slice(0, 12), rule)).toBe(false);
    expect(isSteady(curve, rule)).toBe(true);
    expect(warmupDone(curve, rule)).toBe(true);
  });

  test("a noisy curve never counts as steady, and warming stops at maxPasses", () => {
    const noisy = Array.from({ length: 25 }, (_, i) => (i % 2 === 0 ? 10 : 14));
    expect(warmupDone(noisy.slice(0, 24), rule)).toBe(false);
    expect(warmupDone(noisy, rule)).toBe(true);
    expect(isSteady(noisy, rule)).toBe(false);
  });

  test("CV and spread are the usual statistics", () => {
    expect(coefficientOfVariation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(0.4276, 3);
    expect(spread([3, 1, 2, Number.NaN])).toMatchObject({ median: 2, min: 1, max: 3, n: 3 });
  });
});

describe("isolated harness", () => {
  test("each case runs in its own process, rounds give per-round ratios, a failing case is reported", async () => {
    const result = await runIsolated(
      "ssh-text.c2s.guac",
      ["decoder-stream", "lite+string_decoder", "common-js+TextDecoder"],
      "lite+string_decoder",
      {
        rounds: 3,
        passesPerRound: 1,
        minPassMs: 1,
        rule: { window: 3, maxCv: 0.5, maxPasses: 6 },
        chunkBytes: CHUNK_BYTES,
      },
    );
    expect(Object.keys(result.failed)).toEqual(["common-js+TextDecoder"]);
    expect(result.cases.map((c) => c.id)).toEqual(["decoder-stream", "lite+string_decoder"]);
    const pids = new Set([process.pid, ...result.cases.map((c) => c.pid)]);
    expect(pids.size).toBe(3);
    for (const c of result.cases) {
      expect(c.warmup.curve.length).toBeGreaterThanOrEqual(3);
      expect(c.warmup.curve.length).toBeLessThanOrEqual(6);
      expect(c.roundMs).toHaveLength(3);
      expect(c.outcome.instructions).toBe(109);
    }
    const reference = result.cases.find((c) => c.id === "lite+string_decoder")!;
    expect(reference.roundRatios).toEqual([1, 1, 1]);
    const ours = result.cases.find((c) => c.id === "decoder-stream")!;
    expect(ours.ratio?.median).toBe(
      spread(ours.roundMs.map((ms, k) => reference.roundMs[k]! / ms)).median,
    );
  }, 60_000);
});
