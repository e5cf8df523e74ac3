import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { NATIVES } from "./_native.ts";
import { isAsciiRange, isAsciiSpan, wordsOf } from "./_utf8.ts";

function naive(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** Mostly-ASCII bytes (at most one high byte, anywhere), inside a bigger buffer at an odd offset. */
const spanArb = fc
  .record({
    before: fc.nat({ max: 7 }),
    length: fc.oneof(fc.nat({ max: 40 }), fc.integer({ min: 200, max: 3000 })),
    high: fc.option(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0x80, max: 0xff }) })),
    start: fc.nat(),
    end: fc.nat(),
  })
  .map(({ before, length, high, start, end }) => {
    const buffer = new Uint8Array(before + length + 5).fill(0x41);
    const bytes = buffer.subarray(before, before + length);
    if (high !== null && length > 0) bytes[high.at % length] = high.byte;
    const a = length === 0 ? 0 : start % (length + 1);
    const b = length === 0 ? 0 : end % (length + 1);
    return { bytes, start: Math.min(a, b), end: Math.max(a, b) };
  });

describe("ASCII checks", () => {
  test.prop([spanArb])("isAsciiRange and isAsciiSpan agree with a byte-by-byte check", (span) => {
    const { bytes, start, end } = span;
    const words = wordsOf(bytes);
    const expected = naive(bytes, start, end);
    expect(isAsciiRange(bytes, words, start, end)).toBe(expected);
    expect(isAsciiSpan(bytes, words, start, end)).toBe(expected);
  });

  test.prop([fc.uint8Array({ maxLength: 600 })])(
    "the native check and Latin-1 copy agree when present",
    (bytes) => {
      const { isAscii, latin1 } = NATIVES;
      if (isAscii === undefined || latin1 === undefined) return;
      expect(isAscii(bytes)).toBe(naive(bytes, 0, bytes.length));
      expect(latin1(bytes)).toBe(String.fromCharCode(...bytes));
    },
  );

  test("Node, Deno and Bun get the native check (CI runs the path users run)", () => {
    const process = (globalThis as { process?: { getBuiltinModule?: unknown } }).process;
    if (typeof process?.getBuiltinModule !== "function") return;
    expect(NATIVES.isAscii).toBeTypeOf("function");
    expect(NATIVES.latin1).toBeTypeOf("function");
  });
});
