import { describe, expect, test } from "vitest";
import {
  decodeInstruction,
  encodeInstruction,
  GuacamoleProtocolError,
  instruction,
} from "../index.ts";

describe("encodeInstruction", () => {
  test("counts code points: an astral character is 1", () => {
    expect(encodeInstruction(instruction("name", "🌍"))).toBe("4.name,1.🌍;");
    expect(encodeInstruction(instruction("", "a,b;c"))).toBe("0.,5.a,b;c;");
    expect(encodeInstruction(instruction("size", 0, 1024, 768))).toBe("4.size,1.0,4.1024,3.768;");
  });

  test("rejects lone surrogates instead of changing the bytes", () => {
    for (const value of ["\uD83C", "a\uDF0Db", "\uDF0D\uD83C"]) {
      expect(() => encodeInstruction(instruction("name", value))).toThrow(
        expect.objectContaining({ code: "LONE_SURROGATE", element: 1 }),
      );
    }
  });

  test("applies guacd's limits so the caller learns before guacd drops the connection", () => {
    expect(() => encodeInstruction(instruction("blob", "0", "A".repeat(8193)))).toThrow(
      expect.objectContaining({ code: "ELEMENT_TOO_LONG", element: 2 }),
    );
    expect(() => encodeInstruction({ opcode: "x", args: new Array(128).fill("") })).toThrow(
      expect.objectContaining({ code: "TOO_MANY_ELEMENTS" }),
    );
    const big = "é".repeat(8000); // 8000 characters, 16000 bytes
    expect(() => encodeInstruction(instruction("x", big, big, big))).toThrow(
      expect.objectContaining({ code: "INSTRUCTION_TOO_LONG" }),
    );
    expect(encodeInstruction(instruction("x", big), { maxElementLength: 8000 })).toHaveLength(
      8000 + 10,
    );
  });

  test("rejects what is not an instruction", () => {
    expect(() => encodeInstruction({ opcode: 1, args: [] } as never)).toThrow(
      GuacamoleProtocolError,
    );
    expect(() => encodeInstruction({ opcode: "a", args: [1] } as never)).toThrow(
      expect.objectContaining({ code: "INVALID_INSTRUCTION" }),
    );
  });
});

describe("decodeInstruction", () => {
  test("decodes one whole instruction", () => {
    expect(decodeInstruction("4.name,3.🌍;x;")).toEqual({ opcode: "name", args: ["🌍;x"] });
    expect(decodeInstruction("0.;")).toEqual({ opcode: "", args: [] });
  });

  test("reports faults with their index", () => {
    const cases: [string, string, number][] = [
      ["4.sync,1.1", "TRUNCATED", 10],
      ["4.sync,1.12;", "INVALID_TERMINATOR", 10],
      ["4.sync;3.nop;", "TRAILING_DATA", 7],
      ["4.sync,a.1;", "INVALID_LENGTH", 7],
      ["000001.x;", "LENGTH_TOO_LONG", 5],
      ["12345.x;", "ELEMENT_TOO_LONG", 4],
    ];
    for (const [input, code, offset] of cases) {
      expect(() => decodeInstruction(input)).toThrow(expect.objectContaining({ code, offset }));
    }
  });
});
