import { describe, expect, it } from "vitest";
import { base64, pixel, RAW_MIMETYPE, rawImageBytes, solid, testDisplay } from "./_test-utils.ts";
import { DisplayStream } from "./display-stream.ts";
import type { DisplayInstruction } from "./headless-display-options.ts";

const at = (opcode: string, ...args: (string | number)[]): DisplayInstruction => ({
  opcode,
  args: args.map(String),
});

function streamOf<T>(items: readonly T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

async function readAll<T>(readable: ReadableStream<T>): Promise<T[]> {
  const reader = readable.getReader();
  const out: T[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

describe("DisplayStream", () => {
  it("turns instructions into frames, each with the screenshot of that frame", async () => {
    const { display } = testDisplay();
    const source = streamOf([
      at("size", 0, 2, 1),
      at("rect", 0, 0, 0, 1, 1),
      at("cfill", 14, 0, 255, 0, 0, 255),
      at("sync", 10),
      at("rect", 0, 1, 0, 1, 1),
      at("cfill", 14, 0, 0, 0, 255, 255),
      at("sync", 20, 2),
    ]);
    const frames = await readAll(
      source.pipeThrough(new DisplayStream(display, { screenshots: true })),
    );
    expect(frames.map((f) => [f.index, f.timestamp, f.logicalFrames])).toEqual([
      [1, 10, 0],
      [2, 20, 2],
    ]);
    expect(pixel(frames[0]?.image ?? solid(0, 0, []), 1, 0)).toEqual([0, 0, 0, 0]); // not yet drawn
    expect(pixel(frames[1]?.image ?? solid(0, 0, []), 1, 0)).toEqual([0, 0, 255, 255]);
  });

  it("ends only once every image before the end is decoded and shown", async () => {
    const { display, decoder } = testDisplay();
    decoder.hold = true;
    const stream = new DisplayStream(display, { maxPendingDecodes: 2 });
    const writer = stream.writable.getWriter();
    const frames: number[] = [];
    const reading = readAll(stream.readable).then((all) => {
      for (const frame of all) frames.push(frame.index);
    });
    const image = base64(rawImageBytes(solid(1, 1, [9, 9, 9, 255])));
    await writer.write(at("size", 0, 1, 1));
    await writer.write(at("img", 0, 14, 0, RAW_MIMETYPE, 0, 0));
    await writer.write(at("blob", 0, image));
    await writer.write(at("end", 0));
    await writer.write(at("img", 1, 14, 0, RAW_MIMETYPE, 0, 0));
    await writer.write(at("blob", 1, image));
    // The second image makes two decodes pending: its write waits for room.
    let wrote = false;
    const next = writer.write(at("end", 1)).then(() => {
      wrote = true;
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(wrote).toBe(false);
    decoder.held[0]?.release();
    await next;
    await writer.write(at("sync", 1));
    const closing = writer.close();
    decoder.held[1]?.release();
    await closing;
    await reading;
    expect(frames).toEqual([1]);
    expect(pixel(display.screenshot(), 0, 0)).toEqual([9, 9, 9, 255]);
  });
});
