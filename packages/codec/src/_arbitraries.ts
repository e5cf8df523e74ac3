// fast-check arbitraries for the codec's property tests.
import { fc } from "@fast-check/vitest";
import type { Instruction } from "./index.ts";

/** Characters that stress a Guacamole parser: separators, digits, multi-byte and astral ones. */
const trickyCharArb = fc.constantFrom(
  ";",
  ",",
  ".",
  "0",
  "9",
  "é",
  "✓",
  "世",
  "🌍",
  "🎉",
  "\u0000",
  "\uFFFD",
);

/** Any string of whole code points (no lone surrogates), weighted towards tricky characters. */
export const valueArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({
    unit: fc.oneof(trickyCharArb, fc.string({ unit: "binary", minLength: 1, maxLength: 1 })),
    maxLength: 30,
  }),
  fc.constant(""),
);

export const instructionArb: fc.Arbitrary<Instruction> = fc.record({
  opcode: fc.oneof(fc.constantFrom("blob", "sync", "name", "", "img"), valueArb),
  args: fc.array(valueArb, { maxLength: 12 }),
});

/** Cut points for splitting a byte stream into chunks. */
export const cutsArb: fc.Arbitrary<number[]> = fc.array(fc.nat(), { maxLength: 40 });
