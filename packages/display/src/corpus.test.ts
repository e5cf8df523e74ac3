// Every recorded session in the corpus renders with the real decoders, and mutated recordings
// (numbers, layers, streams, image bytes changed at random) are skipped and reported, never thrown.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { type Instruction, InstructionDecoder } from "@guacstream/codec";
import { describe, expect, it } from "vitest";
import { CORPUS_DIR, corpusAvailable } from "./_test-utils.ts";
import type { DisplayError } from "./display-error.ts";
import { HeadlessDisplay } from "./headless-display.ts";

const LIMITS = { maxElementLength: 1 << 30, maxInstructionBytes: 1 << 30 };

/** Every server-to-client recording under the corpus, as paths relative to it. */
function recordings(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(CORPUS_DIR, dir), { withFileTypes: true })) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".s2c.guac")) found.push(path);
    }
  };
  walk("");
  return found.sort();
}

/** The instructions of a recording, up to where its bytes stop being well-formed. */
function instructionsOf(path: string, limit = Number.POSITIVE_INFINITY): Instruction[] {
  const out: Instruction[] = [];
  const decoder = new InstructionDecoder(
    (i) => {
      if (out.length < limit) out.push(i);
    },
    { limits: LIMITS },
  );
  try {
    decoder.push(new Uint8Array(readFileSync(join(CORPUS_DIR, path))));
    decoder.finish();
  } catch {
    // The corpus's malformed cases end here: the codec's concern, not the display's.
  }
  return out;
}

const available = corpusAvailable();

describe.runIf(available)("the corpus", () => {
  const paths = available ? recordings() : [];

  it("has recordings with drawing in them", () => {
    expect(paths.length).toBeGreaterThanOrEqual(4);
  });

  it.each(paths)(
    "%s renders with the real decoders, nothing skipped",
    async (path) => {
      const errors: DisplayError[] = [];
      const display = new HeadlessDisplay({ onError: (error) => errors.push(error) });
      const instructions = instructionsOf(path);
      for (const instruction of instructions) display.apply(instruction);
      await display.settled();
      expect(errors.map((e) => e.message)).toEqual([]);
      const syncs = instructions.filter((i) => i.opcode === "sync").length;
      expect(display.frameCount).toBe(syncs);
      if (instructions.some((i) => i.opcode === "size" && i.args[0] === "0")) {
        // Memory: at most three screens' worth of canvases (the layers and buffers guacd used).
        const screen = Math.ceil(display.width / 64) * Math.ceil(display.height / 64) * 64 * 64 * 4;
        expect(display.budget.peakBytes).toBeLessThanOrEqual(3 * screen);
        const shot = display.screenshot({ cursor: true });
        expect(shot.width * shot.height).toBeGreaterThan(0);
        expect(shot.data.some((v, i) => i % 4 === 3 && v > 0)).toBe(true);
      }
    },
    30_000,
  );
});

// Mutations of one instruction: what guacd or a recording could get wrong.
const mutationArb = fc.record({
  at: fc.nat(),
  arg: fc.nat(8),
  value: fc.oneof(
    fc.integer({ min: -2_000_000, max: 2_000_000 }).map(String),
    fc.constantFrom("100000", "-1", "-100000", "NaN", "", "1e9", "0x10", "9007199254740993"),
    fc.string({ maxLength: 12 }),
  ),
  kind: fc.constantFrom("arg", "drop", "duplicate", "opcode"),
  opcode: fc.constantFrom(
    "size",
    "copy",
    "transfer",
    "img",
    "end",
    "blob",
    "dispose",
    "move",
    "cursor",
    "arc",
    "curve",
    "clip",
    "push",
    "pop",
  ),
});

describe.runIf(available)("mutated recordings", () => {
  const base = available
    ? instructionsOf("vnc-required.s2c.guac", 120).concat(instructionsOf("ssh-text.s2c.guac", 400))
    : [];

  test.prop([fc.array(mutationArb, { minLength: 1, maxLength: 30 })], { numRuns: 10 })(
    "are skipped and reported, never thrown, within the pixel budget",
    async (mutations) => {
      const instructions = base.map((i) => ({ opcode: i.opcode, args: [...i.args] }));
      for (const m of mutations) {
        const at = m.at % instructions.length;
        const target = instructions[at];
        if (target === undefined) continue;
        if (m.kind === "drop") instructions.splice(at, 1);
        else if (m.kind === "duplicate")
          instructions.splice(at, 0, { opcode: target.opcode, args: [...target.args] });
        else if (m.kind === "opcode") target.opcode = m.opcode;
        else if (target.args.length > 0) target.args[m.arg % target.args.length] = m.value;
      }
      const budget = 16 * 1024 * 1024;
      const display = new HeadlessDisplay({ pixelBudget: budget, onError: () => {} });
      for (const instruction of instructions) display.apply(instruction);
      await display.settled();
      expect(display.budget.peakBytes).toBeLessThanOrEqual(budget * 4);
      expect(() => display.screenshot({ cursor: true })).not.toThrow();
    },
    60_000,
  );
});
