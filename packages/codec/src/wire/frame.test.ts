import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { cutsArb, instructionArb } from "../_arbitraries.ts";
import {
  chunksOf,
  collect,
  collectGarbage,
  concat,
  cutAt,
  frameChunks,
  streamOf,
  text,
  utf8,
} from "../_test-utils.ts";
import {
  decodeInstruction,
  encodeInstruction,
  GuacamoleProtocolError,
  InstructionFramer,
  InstructionFrameStream,
} from "../index.ts";

describe("InstructionFramer", () => {
  test("emits each instruction's exact bytes, values with separators included", () => {
    const input = utf8("4.blob,5.a;b,c;0.;4.name,1.🌍;");
    expect(frameChunks(chunksOf(input, 2)).map(text)).toEqual([
      "4.blob,5.a;b,c;",
      "0.;",
      "4.name,1.🌍;",
    ]);
  });

  test("says ascii only of instructions whose read it found all ASCII", () => {
    const seen: [string, boolean][] = [];
    const framer = new InstructionFramer((bytes, start, end, _copied, ascii) => {
      seen.push([text(bytes.subarray(start, end)), ascii]);
    });
    framer.push(utf8("3.nop;4.name,1.a;"));
    framer.push(utf8("3.nop;4.name,1.é;"));
    framer.push(utf8("3.nop;4.na"));
    framer.push(utf8("me,1.b;"));
    framer.push(utf8("4.name,2.é"));
    framer.push(utf8("d;"));
    expect(seen).toEqual([
      ["3.nop;", true],
      ["4.name,1.a;", true],
      // One non-ASCII byte in a read: nothing in that read is claimed ASCII.
      ["3.nop;", false],
      ["4.name,1.é;", false],
      ["3.nop;", true],
      // Gathered across reads: ASCII if every read's part of it was.
      ["4.name,1.b;", true],
      ["4.name,2.éd;", false],
    ]);
  });

  test("hands out views of the chunk where an instruction arrived whole", () => {
    const input = utf8("3.nop;3.nop;");
    const seen: boolean[] = [];
    const framer = new InstructionFramer((bytes, _start, _end, copied) => {
      seen.push(copied);
      expect(bytes.buffer === input.buffer || copied).toBe(true);
    });
    framer.push(input.subarray(0, 8));
    framer.push(input.subarray(8));
    expect(seen).toEqual([false, true]);
  });

  it("holds no part of a read once push returns, only an unfinished instruction's bytes", async () => {
    const framer = new InstructionFramer(() => {});
    const read = ((): WeakRef<ArrayBufferLike> => {
      const chunk = utf8(`4.blob,1.0,8000.${"A".repeat(8000)};4.sync,2.12`);
      framer.push(chunk);
      return new WeakRef(chunk.buffer);
    })();
    await collectGarbage();
    expect(read.deref()).toBeUndefined();
    expect(framer.bufferedBytes).toBe("4.sync,2.12".length);
  });

  it("keeps no buffer grown for a long instruction once a read ends between instructions", async () => {
    // An idle connection's framer: its last long frame straddled two reads, then the reads ended
    // at an instruction boundary, as guacd's do between frames.
    const head = utf8(`4.blob,1.0,8000.${"A".repeat(4000)}`);
    const tail = utf8(`${"A".repeat(4000)};4.sync,2.12;`);
    const frames: number[] = [];
    const framers: InstructionFramer[] = [];
    const before = await collectGarbage();
    for (let i = 0; i < 100; i++) {
      const framer = new InstructionFramer((_bytes, start, end) => frames.push(end - start));
      framer.push(head);
      framer.push(tail);
      framers.push(framer);
    }
    const perFramer = ((await collectGarbage()) - before) / framers.length;
    expect(frames.length).toBe(200);
    expect(framers.every((f) => f.bufferedBytes === 0)).toBe(true);
    // Keeping the grown buffer would cost 8 KB or more a framer.
    expect(perFramer).toBeLessThan(4000);
  });

  test("reports faults like the decoder", () => {
    expect(() => frameChunks([utf8("4.sync,2.123;")])).toThrow(
      expect.objectContaining({ code: "INVALID_TERMINATOR", offset: 11 }),
    );
    expect(() => frameChunks([utf8("4.sync,1")])).toThrow(
      expect.objectContaining({ code: "TRUNCATED" }),
    );
  });

  test.prop([fc.array(instructionArb, { minLength: 1, maxLength: 8 }), cutsArb])(
    "frames concatenate to the input and each decodes to one instruction",
    (instructions, cuts) => {
      const encoded = instructions.map((i) => encodeInstruction(i));
      const bytes = utf8(encoded.join(""));
      const frames = frameChunks(cutAt(bytes, cuts));
      expect(frames.map(text)).toEqual(encoded);
      expect(concat(frames)).toEqual(bytes);
      expect(frames.map((f) => decodeInstruction(text(f)))).toEqual(instructions);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 300 }), cutsArb])(
    "on arbitrary bytes it throws only GuacamoleProtocolError",
    (bytes, cuts) => {
      try {
        frameChunks(cutAt(bytes, cuts));
      } catch (error) {
        expect(error).toBeInstanceOf(GuacamoleProtocolError);
      }
    },
  );
});

describe("InstructionFrameStream", () => {
  const input = utf8("3.nop;4.sync,1.1;4.name,2.🌍;;3.key,1.1,1.0;");

  test("emits one chunk per instruction by default", async () => {
    const out = await collect(
      streamOf(chunksOf(input, 9)).pipeThrough(new InstructionFrameStream()),
    );
    expect(out.map(text)).toEqual(["3.nop;", "4.sync,1.1;", "4.name,2.🌍;;", "3.key,1.1,1.0;"]);
  });

  test("coalesces the whole instructions of one input chunk", async () => {
    const out = await collect(
      streamOf([input]).pipeThrough(new InstructionFrameStream({ coalesce: true })),
    );
    expect(out.map(text)).toEqual([text(input)]);
  });

  test.prop([cutsArb])(
    "coalesced chunks hold only whole instructions and add up to the input",
    async (cuts) => {
      const out = await collect(
        streamOf(cutAt(input, cuts)).pipeThrough(new InstructionFrameStream({ coalesce: true })),
      );
      expect(concat(out)).toEqual(input);
      for (const chunk of out) expect(frameChunks([chunk]).length).toBeGreaterThan(0);
    },
  );

  test("errors the stream with the typed error", async () => {
    const stream = streamOf([utf8("3.nop;x")]).pipeThrough(new InstructionFrameStream());
    await expect(collect(stream)).rejects.toMatchObject({ code: "INVALID_LENGTH", offset: 6 });
  });
});
