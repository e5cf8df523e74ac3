// A 200 MB upload through GuacamoleClient.sendFile, made on the fly, against an in-memory guacd
// that acks each blob: the bytes arrive whole and the process's memory stays flat.
import { expect, test } from "vitest";
import { encodeInstruction, InstructionDecoderStream } from "../../index.ts";
import type { Instruction } from "../../wire/instruction.ts";
import { GuacamoleClient } from "../client.ts";

const TOTAL = 200 * 1024 * 1024;
const CHUNK = 64 * 1024;
/** Whatever the upload's size, memory may grow by no more than this (the data is 200 MB). */
const RSS_BUDGET = 64 * 1024 * 1024;

/** Chunk `i`'s bytes: cheap to make and to check, different in every chunk. */
function fillChunk(chunk: Uint8Array, i: number): void {
  chunk.fill(i & 0xff);
  chunk[0] = (i >> 8) & 0xff;
}

/** The byte `fillChunk` put at offset `at` of the whole upload. */
function expectedByte(at: number): number {
  const i = Math.floor(at / CHUNK);
  return at % CHUNK === 0 ? (i >> 8) & 0xff : i & 0xff;
}

test("a 200 MB streaming upload arrives whole with memory flat", { timeout: 120_000 }, async () => {
  const toGuacd = new TransformStream<Uint8Array, Uint8Array>();
  const toClient = new TransformStream<Uint8Array, Uint8Array>();
  const writer = toClient.writable.getWriter();
  const send = (item: Instruction) =>
    writer.write(new TextEncoder().encode(encodeInstruction(item)));
  let received = 0;
  let wrong = -1; // the first offset whose byte is not what the source made there
  let ended = false;
  const guacd = (async () => {
    for await (const item of toGuacd.readable.pipeThrough(
      new InstructionDecoderStream(),
    ) as unknown as AsyncIterable<Instruction>) {
      const [stream = "", data = ""] = item.args;
      if (item.opcode === "select") await send({ opcode: "args", args: ["VERSION_1_5_0"] });
      if (item.opcode === "connect") await send({ opcode: "ready", args: ["$big"] });
      if (item.opcode === "file") await send({ opcode: "ack", args: [stream, "OK", "0"] });
      if (item.opcode === "blob") {
        const bytes = Buffer.from(data, "base64");
        for (let i = 0; i < bytes.length && wrong < 0; i++) {
          const at = received + i;
          if (bytes[i] !== expectedByte(at)) wrong = at;
        }
        received += bytes.length;
        await send({ opcode: "ack", args: [stream, "OK", "0"] });
      }
      if (item.opcode === "end") {
        ended = true;
        await send({ opcode: "ack", args: [stream, "OK", "0"] }); // the file is closed
      }
      if (item.opcode === "disconnect") return writer.close();
    }
  })();

  const client = new GuacamoleClient(
    { readable: toClient.readable, writable: toGuacd.writable },
    { keepAliveInterval: 0 },
  );
  await client.handshake({ protocol: "ssh" });
  const reading = (async () => {
    while ((await client.readInstruction()) !== undefined);
  })().catch(() => {}); // the session's end is not what this test is about

  let made = 0;
  let baseline = 0;
  let peak = 0;
  const source = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (made === TOTAL) return controller.close();
        const chunk = new Uint8Array(CHUNK);
        fillChunk(chunk, made / CHUNK);
        made += CHUNK;
        const rss = process.memoryUsage().rss;
        if (made === 16 * CHUNK) baseline = rss;
        if (made > 16 * CHUNK) peak = Math.max(peak, rss);
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  await client.sendFile("big.bin", source);
  await client.close();
  await Promise.all([guacd, reading]);
  expect(received).toBe(TOTAL);
  expect(ended).toBe(true);
  expect(wrong).toBe(-1);
  expect(peak - baseline).toBeLessThan(RSS_BUDGET);
});
