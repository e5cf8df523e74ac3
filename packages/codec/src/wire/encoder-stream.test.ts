import { fc, test as prop } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { instructionArb } from "../_arbitraries.ts";
import { collect, concat, decodeChunks, text } from "../_test-utils.ts";
import {
  encodeInstruction,
  type Instruction,
  InstructionEncoderStream,
  type InstructionEncoderStreamOptions,
  instruction,
} from "../index.ts";

async function encodeAll(
  instructions: readonly Instruction[],
  options?: InstructionEncoderStreamOptions,
): Promise<Uint8Array[]> {
  const encoder = new InstructionEncoderStream(options);
  const writer = encoder.writable.getWriter();
  const output = collect(encoder.readable);
  // A failed write errors the whole stream; the test observes that through `output`.
  for (const i of instructions) writer.write(i).catch(() => {});
  writer.close().catch(() => {});
  return output;
}

describe("InstructionEncoderStream", () => {
  test("batches instructions written in one turn into one chunk, in order", async () => {
    const syncs = Array.from({ length: 100 }, (_, i) => instruction("sync", i));
    const chunks = await encodeAll(syncs);
    expect(chunks).toHaveLength(1);
    expect(text(chunks[0]!)).toBe(syncs.map((i) => encodeInstruction(i)).join(""));
  });

  test("does not hold a batch across a macrotask", async () => {
    const encoder = new InstructionEncoderStream();
    const writer = encoder.writable.getWriter();
    const reader = encoder.readable.getReader();
    void writer.write(instruction("mouse", 1, 2, 0));
    const first = await reader.read();
    expect(text(first.value!)).toBe("5.mouse,1.1,1.2,1.0;");
    void writer.write(instruction("nop"));
    expect(text((await reader.read()).value!)).toBe("3.nop;");
  });

  test("one chunk per instruction when batching is off", async () => {
    const chunks = await encodeAll([instruction("a"), instruction("b")], { batch: false });
    expect(chunks.map(text)).toEqual(["1.a;", "1.b;"]);
  });

  test("sends a batch once it reaches maxBatchBytes", async () => {
    const blobs = Array.from({ length: 10 }, () => instruction("blob", "1", "A".repeat(1000)));
    const chunks = await encodeAll(blobs, { maxBatchBytes: 3000 });
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(3000);
    expect(decodeChunks(chunks)).toEqual(blobs);
  });

  test("errors the stream on a lone surrogate, sending none of that instruction", async () => {
    const encoder = new InstructionEncoderStream({ batch: false });
    const writer = encoder.writable.getWriter();
    const output = collect(encoder.readable);
    await writer.write(instruction("name", "ok"));
    await expect(writer.write(instruction("name", "bad\uD800"))).rejects.toMatchObject({
      code: "LONE_SURROGATE",
    });
    await expect(output).rejects.toMatchObject({ code: "LONE_SURROGATE" });
  });

  test("errors the stream on an element too long for guacd", async () => {
    await expect(encodeAll([instruction("blob", "0", "x".repeat(9000))])).rejects.toMatchObject({
      code: "ELEMENT_TOO_LONG",
    });
  });

  prop.prop([fc.array(instructionArb, { maxLength: 20 })])(
    "bytes equal the UTF-8 of encodeInstruction, whatever the batching",
    async (instructions) => {
      const chunks = await encodeAll(instructions, { maxBatchBytes: 64 });
      const expected = new TextEncoder().encode(
        instructions.map((i) => encodeInstruction(i)).join(""),
      );
      expect(concat(chunks)).toEqual(expected);
    },
  );
});
