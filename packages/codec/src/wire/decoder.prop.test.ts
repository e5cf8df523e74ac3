import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { cutsArb, instructionArb } from "../_arbitraries.ts";
import { concat, cutAt, decodeChunks, utf8 } from "../_test-utils.ts";
import {
  DEFAULT_LIMITS,
  decodeInstruction,
  encodeInstruction,
  GuacamoleProtocolError,
  InstructionDecoder,
} from "../index.ts";

const streamArb = fc.array(instructionArb, { minLength: 1, maxLength: 8 });

describe("decoder properties", () => {
  test.prop([instructionArb])("decodeInstruction(encodeInstruction(x)) equals x", (instruction) => {
    expect(decodeInstruction(encodeInstruction(instruction))).toEqual(instruction);
  });

  test.prop([streamArb, cutsArb])(
    "the decoder gives back the encoded instructions for every chunking",
    (instructions, cuts) => {
      const bytes = utf8(instructions.map((i) => encodeInstruction(i)).join(""));
      expect(decodeChunks(cutAt(bytes, cuts))).toEqual(instructions);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 300 }), cutsArb])(
    "on arbitrary bytes it throws only GuacamoleProtocolError and gives the same result for every chunking",
    (bytes, cuts) => {
      const run = (chunks: Uint8Array[]) => {
        try {
          return { instructions: decodeChunks(chunks) };
        } catch (error) {
          expect(error).toBeInstanceOf(GuacamoleProtocolError);
          const e = error as GuacamoleProtocolError;
          return { code: e.code, offset: e.offset };
        }
      };
      expect(run(cutAt(bytes, cuts))).toEqual(run([bytes]));
    },
  );

  test.prop([streamArb, fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat()])(
    "corrupting valid traffic yields decoded instructions or a typed error, never a hang or another throw",
    (instructions, noise, at) => {
      const bytes = utf8(instructions.map((i) => encodeInstruction(i)).join(""));
      const cut = at % (bytes.length + 1);
      const corrupted = concat([bytes.subarray(0, cut), noise, bytes.subarray(cut)]);
      try {
        decodeChunks(cutAt(corrupted, [cut, cut + 1]));
      } catch (error) {
        expect(error).toBeInstanceOf(GuacamoleProtocolError);
      }
    },
  );

  test.prop([
    fc.array(
      fc.oneof(fc.constantFrom(...utf8("0123456789.,;")), fc.integer({ min: 0, max: 255 })),
      {
        minLength: 1,
        maxLength: 2000,
      },
    ),
    fc.integer({ min: 1, max: 700 }),
  ])("buffers no more than maxInstructionBytes, whatever arrives", (values, chunkSize) => {
    const limits = { maxInstructionBytes: 256, maxElementLength: 200 };
    const bytes = new Uint8Array(values);
    let peak = 0;
    const decoder = new InstructionDecoder(() => {}, { limits });
    try {
      for (let i = 0; i < bytes.length; i += chunkSize) {
        decoder.push(bytes.subarray(i, i + chunkSize));
        peak = Math.max(peak, decoder.bufferedBytes);
      }
    } catch (error) {
      expect(error).toBeInstanceOf(GuacamoleProtocolError);
    }
    expect(peak).toBeLessThanOrEqual(limits.maxInstructionBytes);
  });

  test("an endless length or value fails within the limits, not after all the input", () => {
    const decoder = new InstructionDecoder(() => {});
    const garbage = new Uint8Array(1 << 20).fill(0x41);
    expect(() => decoder.push(utf8("4.blob,8192."))).not.toThrow();
    expect(() => {
      for (let i = 0; i < 64; i++) decoder.push(garbage.subarray(i * 1024, (i + 1) * 1024));
    }).toThrow(expect.objectContaining({ code: "INVALID_TERMINATOR" }));
    expect(decoder.bufferedBytes).toBeLessThanOrEqual(DEFAULT_LIMITS.maxInstructionBytes + 1);
  });
});
