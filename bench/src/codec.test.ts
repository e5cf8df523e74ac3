import { describe, expect, test } from "vitest";
import { ratioChart } from "./chart.ts";
import type { CodecContext } from "./codec-cases.ts";
import { benchInput } from "./codec-section.ts";
import { CHUNK_BYTES, listCorpusFiles, loadCorpusInput, makeInput } from "./corpus.ts";
import type { SectionContext } from "./section.ts";
import { clientSideStream } from "./synthetic.ts";
import { commonJsParser, liteParser } from "./upstream.ts";

const ctx: SectionContext = {
  quick: true,
  filter: undefined,
  measure: { warmup: 0, runs: 1, minSampleMs: 0 },
  chunkBytes: CHUNK_BYTES,
  log: () => {},
};
const codec: CodecContext = { lite: liteParser(), commonJs: commonJsParser() };

describe("codec bench", () => {
  test("the synthetic client stream is deterministic and every parser counts it alike", async () => {
    const small = clientSideStream(20_000);
    expect(clientSideStream(20_000).bytes).toEqual(small.bytes);
    const result = await benchInput(makeInput("synthetic:tiny", small.bytes, true), codec, ctx);
    expect(result.instructions).toBe(small.instructions);
    for (const c of result.cases) {
      expect(c.outcome.error, c.id).toBeUndefined();
      if (c.countOk !== null) expect(c.countOk, c.id).toBe(true);
      expect(c.measurement?.medianMs, c.id).toBeGreaterThan(0);
    }
    expect(result.agreement.every((a) => a.differing === 0 && a.error === undefined)).toBe(true);
    expect(result.fastestUpstream).toMatch(/^lite\+/);
  });

  test("a baseline that gets real traffic wrong is reported, not hidden", async () => {
    // ssh-text.c2s's `connect` carries an astral character: guacamole-common-js 1.5.0 counts
    // UTF-16 units and loses its place there.
    const name = listCorpusFiles().find((n) => n === "ssh-text.c2s.guac");
    expect(name).toBeDefined();
    const input = loadCorpusInput(name!);
    expect(input.chunks.every((c) => c.length <= CHUNK_BYTES)).toBe(true);
    const result = await benchInput(input, codec, ctx);
    expect(result.instructions).toBe(109);
    const ours = result.cases.filter((c) => c.group === "ours");
    expect(ours.every((c) => c.outcome.error === undefined && c.countOk !== false)).toBe(true);
    const commonJs = result.cases.find((c) => c.id === "common-js+TextDecoder");
    expect(commonJs?.outcome.error).toMatch(/terminator/);
    expect(commonJs?.measurement).toBeNull();
    const lite = result.agreement.find((a) => a.parser === "lite+string_decoder");
    expect(lite).toMatchObject({ instructions: 109, differing: 0 });
  });

  test("the chart is an SVG with one bar per ratio", () => {
    const svg = ratioChart("t", [
      {
        title: "f",
        bars: [
          { label: "a", value: 1.5, target: 2 },
          { label: "b", value: 0.5 },
        ],
      },
    ]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect x=/g)?.length).toBe(2);
  });
});
