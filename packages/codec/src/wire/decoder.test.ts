import { describe, expect, test } from "vitest";
import {
  chunksOf,
  collect,
  collectGarbage,
  concat,
  cutAt,
  decodeChunks,
  streamOf,
  utf8,
} from "../_test-utils.ts";
import {
  GuacamoleProtocolError,
  type GuacamoleProtocolErrorCode,
  InstructionBatchDecoderStream,
  InstructionDecoder,
  InstructionDecoderStream,
} from "../index.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

function decodeError(input: Uint8Array | string, options = {}, chunk = 0): GuacamoleProtocolError {
  const data = typeof input === "string" ? utf8(input) : input;
  try {
    decodeChunks(chunk > 0 ? chunksOf(data, chunk) : [data], options);
  } catch (error) {
    expect(error).toBeInstanceOf(GuacamoleProtocolError);
    return error as GuacamoleProtocolError;
  }
  throw new Error("expected a GuacamoleProtocolError");
}

function expectFault(
  input: Uint8Array | string,
  code: GuacamoleProtocolErrorCode,
  offset: number,
  options = {},
): void {
  // The same fault, at the same offset, whether the bytes come whole or one at a time.
  for (const chunk of [0, 1, 3]) {
    const error = decodeError(input, options, chunk);
    expect({ code: error.code, offset: error.offset }).toEqual({ code, offset });
  }
}

describe("InstructionDecoder", () => {
  test("holds no part of a read once push returns, only an unfinished instruction's bytes", async () => {
    // A connection idles between reads; its decoder must not keep the last one (up to 64 KiB)
    // alive, neither as bytes nor as the text its values were sliced from.
    const blob = `4.blob,1.0,8000.${"A".repeat(8000)};`;
    for (const [rest, ascii] of [
      ["", true],
      ["4.sync,2.12", true],
      ["4.name,2.é", false],
    ] as const) {
      const seen: string[] = [];
      const decoder = new InstructionDecoder((i) => seen.push(i.opcode));
      const read = ((): WeakRef<ArrayBufferLike> => {
        const chunk = utf8(blob + rest);
        decoder.push(chunk);
        return new WeakRef(chunk.buffer);
      })();
      await collectGarbage();
      expect(read.deref(), `after "${rest}" (${ascii ? "ASCII" : "not ASCII"})`).toBeUndefined();
      expect(seen).toEqual(["blob"]);
      expect(decoder.bufferedBytes).toBe(utf8(rest).length);
    }
  });

  test("counts lengths in code points, not bytes or UTF-16 units", () => {
    const input = utf8("4.name,19.Привет 世界 🌍 ünïcødé;4.name,1.🌍;");
    expect(decodeChunks([input])).toEqual([
      { opcode: "name", args: ["Привет 世界 🌍 ünïcødé"] },
      { opcode: "name", args: ["🌍"] },
    ]);
  });

  test("treats ; , and . inside values as data", () => {
    const input = utf8("4.blob,5.a;b,c,3.1.2;0.,2.;;;");
    expect(decodeChunks([input])).toEqual([
      { opcode: "blob", args: ["a;b,c", "1.2"] },
      { opcode: "", args: [";;"] },
    ]);
  });

  test("decodes the empty opcode and empty values", () => {
    expect(decodeChunks([utf8("0.,36.ca0c51b5-a2b3-4d2c-9b15-4c4f2c0d1fa2;0.;")])).toEqual([
      { opcode: "", args: ["ca0c51b5-a2b3-4d2c-9b15-4c4f2c0d1fa2"] },
      { opcode: "", args: [] },
    ]);
  });

  test("gives the same instructions for every split point of a multi-byte stream", () => {
    const input = utf8("4.name,5.a🌍;,é;3.key,5.65507,1.1;0.;4.sync,8.12345678;");
    const whole = decodeChunks([input]);
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b++) {
        expect(decodeChunks(cutAt(input, [a, b]))).toEqual(whole);
      }
    }
  });

  test("reads a value guacd cut inside its last character up to its terminator", () => {
    // ssh-text.s2c.guac: the title "done ✓ 🎉" arrives cut inside "✓" (E2 9C 93).
    const input = concat([utf8("4.name,6.done "), bytes(0xe2), utf8(";4.rect,1.1;")]);
    const expected = [
      { opcode: "name", args: ["done \uFFFD"] },
      { opcode: "rect", args: ["1"] },
    ];
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b++) {
        expect(decodeChunks(cutAt(input, [a, b]))).toEqual(expected);
      }
    }
  });

  test("cut last character before ',' ends the element there", () => {
    const input = concat([utf8("3.abc,2.x"), bytes(0xf0), utf8(",1.z;")]);
    expect(decodeChunks(chunksOf(input, 1))).toEqual([{ opcode: "abc", args: ["x\uFFFD", "z"] }]);
  });

  test("a stray Latin-1 byte swallows the next bytes as guacd counts it", () => {
    // guacd counts 0xE9 ("é" in Latin-1) as a 3-byte character: "caf\xE9,xy" is 5 characters.
    const input = concat([utf8("4.name,5.caf"), bytes(0xe9), utf8(",xy;")]);
    expect(decodeChunks([input])).toEqual([{ opcode: "name", args: ["caf\uFFFD,xy"] }]);
  });

  test("counts a stray continuation byte or 0xF8-0xFF as one character", () => {
    const input = concat([utf8("1.a,3."), bytes(0x80, 0xff, 0x41), utf8(";")]);
    expect(decodeChunks(chunksOf(input, 1))).toEqual([{ opcode: "a", args: ["\uFFFD\uFFFDA"] }]);
  });

  test("strict mode rejects malformed UTF-8 at the value's offset", () => {
    const input = concat([utf8("4.name,6.done "), bytes(0xe2), utf8(";")]);
    expectFault(input, "MALFORMED_UTF8", 9, { strictUtf8: true });
    expect(decodeChunks([utf8("4.name,1.🌍;")], { strictUtf8: true })).toEqual([
      { opcode: "name", args: ["🌍"] },
    ]);
  });

  test("rejects a non-digit length at its offset", () => {
    expectFault("4.size,x.1;", "INVALID_LENGTH", 7);
    expectFault("xyz;", "INVALID_LENGTH", 0);
    expectFault("4.sync,.;", "INVALID_LENGTH", 7);
  });

  test("rejects a length at its sixth digit, before any value arrives", () => {
    expectFault("4.blob,000001.", "LENGTH_TOO_LONG", 12);
    // Leading zeros are digits too, as in guacd.
    expectFault("000004.sync;", "LENGTH_TOO_LONG", 5);
    expect(decodeChunks([utf8("00004.sync;")])).toEqual([{ opcode: "sync", args: [] }]);
  });

  test("rejects an element longer than the limit at the digit that exceeds it", () => {
    expectFault("4.blob,8193.", "ELEMENT_TOO_LONG", 10);
    expectFault("4.blob,11.", "ELEMENT_TOO_LONG", 8, { limits: { maxElementLength: 10 } });
  });

  test("rejects more elements than the limit at the separator that exceeds it", () => {
    expectFault("1.a,1.b,1.c;", "TOO_MANY_ELEMENTS", 7, { limits: { maxElements: 2 } });
    expect(decodeChunks([utf8("1.a,1.b;")], { limits: { maxElements: 2 } })).toHaveLength(1);
  });

  test("rejects an instruction longer than the limit as soon as a length says so", () => {
    // 4.blob,20. already needs 7 + 3 + 20 + 1 = 31 bytes.
    expectFault("4.blob,20.", "INSTRUCTION_TOO_LONG", 9, { limits: { maxInstructionBytes: 30 } });
    expect(
      decodeChunks([utf8("4.blob,19.abcdefghijklmnopqrs;")], {
        limits: { maxInstructionBytes: 30 },
      }),
    ).toHaveLength(1);
  });

  test("rejects an instruction made long by multi-byte characters", () => {
    const value = "🌍".repeat(10); // 10 characters, 40 bytes
    const input = utf8(`4.name,10.${value};`);
    const error = decodeError(input, { limits: { maxInstructionBytes: 32 } });
    expect(error.code).toBe("INSTRUCTION_TOO_LONG");
    expect(decodeChunks([input], { limits: { maxInstructionBytes: 51 } })).toHaveLength(1);
  });

  test("rejects a bad terminator at its offset", () => {
    expectFault("4.sync,2.123;", "INVALID_TERMINATOR", 11);
    // A UTF-16 length (2 for the emoji) reads one character too many: the next byte is no terminator.
    expectFault("4.name,3.🌍a;4.sync,1.1;", "INVALID_TERMINATOR", 15);
  });

  test("reports an input that ends mid-instruction, with the bytes lost", () => {
    for (const input of ["4.syn", "4.sync,", "4.sync,1", "4.sync,1.", "4.sync,1.2"]) {
      const error = decodeError(`3.nop;${input}`);
      expect(error.code).toBe("TRUNCATED");
      expect(error.offset).toBe(6);
      expect(error.message).toContain(`${input.length} bytes`);
    }
  });

  test("keeps failing after the first error", () => {
    const decoder = new InstructionDecoder(() => {});
    expect(() => decoder.push(utf8("x"))).toThrow(GuacamoleProtocolError);
    expect(() => decoder.push(utf8("3.nop;"))).toThrow(GuacamoleProtocolError);
    expect(() => decoder.finish()).toThrow(GuacamoleProtocolError);
  });

  test("holds back only the unfinished instruction", () => {
    const decoder = new InstructionDecoder(() => {});
    decoder.push(utf8("3.nop;4.sync,4.12"));
    expect(decoder.bufferedBytes).toBe(11);
    decoder.push(utf8("34;"));
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.bytesReceived).toBe(20);
  });
});

describe("InstructionDecoderStream", () => {
  test("decodes chunks piped through it", async () => {
    const input = utf8("4.size,1.0,4.1024,3.768;4.sync,4.1234,1.1;");
    const out = await collect(
      streamOf(chunksOf(input, 5)).pipeThrough(new InstructionDecoderStream()),
    );
    expect(out).toEqual([
      { opcode: "size", args: ["0", "1024", "768"] },
      { opcode: "sync", args: ["1234", "1"] },
    ]);
  });

  test("errors the stream with the typed error", async () => {
    const stream = streamOf([utf8("3.nop;4.sync,")]).pipeThrough(new InstructionDecoderStream());
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ done: false, value: { opcode: "nop", args: [] } });
    await expect(reader.read()).rejects.toMatchObject({ code: "TRUNCATED", offset: 6 });
  });
});

describe("short element cache", () => {
  test("never confuses two short values", () => {
    // Every 1-3 byte value over a small alphabet, and 6-byte values differing in one byte.
    const alphabet = ["0", "1", "9", "-", "a", "z", "~", " "];
    const values: string[] = [""];
    for (const a of alphabet) {
      values.push(a);
      for (const b of alphabet) {
        values.push(a + b);
        for (const c of alphabet) values.push(a + b + c);
      }
    }
    for (let i = 0; i < 128; i++)
      values.push(`zzzzz${String.fromCharCode(i)}`, `${String.fromCharCode(i)}zzzzz`);
    const input = utf8(values.map((v) => `1.x,${v.length}.${v};`).join(""));
    const out = decodeChunks(chunksOf(input, 50));
    expect(out.map((i) => i.args[0])).toEqual(values);
  });
});

describe("InstructionBatchDecoderStream", () => {
  test.each([1, 3, 7, 64])(
    "gives the same instructions as the per-instruction stream, %i-byte chunks",
    async (size) => {
      const input = utf8(
        "4.size,1.0,4.1024,3.768;4.name,2.🌍;;0.;4.sync,4.1234,1.1;3.key,1.1,1.0;",
      );
      const single = await collect(
        streamOf(chunksOf(input, size)).pipeThrough(new InstructionDecoderStream()),
      );
      const batches = await collect(
        streamOf(chunksOf(input, size)).pipeThrough(new InstructionBatchDecoderStream()),
      );
      expect(batches.every((b) => b.length > 0)).toBe(true);
      expect(batches.flat()).toEqual(single);
    },
  );

  test("sends what was complete before a fault, then errors", async () => {
    const reader = streamOf([utf8("3.nop;3.nop;x")])
      .pipeThrough(new InstructionBatchDecoderStream())
      .getReader();
    expect((await reader.read()).value).toHaveLength(2);
    await expect(reader.read()).rejects.toMatchObject({ code: "INVALID_LENGTH", offset: 12 });
  });
});
