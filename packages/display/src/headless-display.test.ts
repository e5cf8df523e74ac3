import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import {
  base64,
  feed,
  pixel,
  RAW_MIMETYPE,
  rawImageBytes,
  solid,
  testDisplay,
} from "./_test-utils.ts";
import type { HeadlessDisplay } from "./headless-display.ts";

const RED = [255, 0, 0, 255];
const GREEN = [0, 255, 0, 255];
const BLUE = [0, 0, 255, 255];

function fill(
  layer: number,
  x: number,
  y: number,
  w: number,
  h: number,
  rgba: number[],
  mask = 0xe,
): (string | number)[][] {
  return [
    ["rect", layer, x, y, w, h],
    ["cfill", mask, layer, ...rgba],
  ];
}

function sendImage(
  display: HeadlessDisplay,
  stream: number,
  layer: number,
  x: number,
  y: number,
  rgba: number[],
  size = 2,
): void {
  feed(
    display,
    ["img", stream, 0xe, layer, RAW_MIMETYPE, x, y],
    ["blob", stream, base64(rawImageBytes(solid(size, size, rgba)))],
    ["end", stream],
  );
}

describe("frames", () => {
  it("shows drawing only after sync, as one frame", () => {
    const { display } = testDisplay();
    const frames: number[] = [];
    display.onFrame((frame) => frames.push(frame.timestamp ?? -1));
    feed(display, ["size", 0, 4, 4], ...fill(0, 0, 0, 4, 4, RED));
    expect(display.width).toBe(0);
    feed(display, ["sync", 1234, 3]);
    expect(frames).toEqual([1234]);
    expect(pixel(display.screenshot(), 3, 3)).toEqual(RED);
  });

  it("waits for image decodes and draws in guacd's order whatever order they finish in", async () => {
    const { display, decoder } = testDisplay();
    decoder.hold = true;
    feed(display, ["size", 0, 4, 4]);
    sendImage(display, 1, 0, 0, 0, RED);
    sendImage(display, 2, 0, 0, 0, GREEN); // over the red one
    feed(display, ...fill(0, 1, 1, 1, 1, BLUE), ["sync", 1]);
    sendImage(display, 3, 0, 2, 2, GREEN);
    feed(display, ["sync", 2]);
    expect(display.frameCount).toBe(0);
    await Promise.resolve();
    decoder.held[2]?.release();
    decoder.held[1]?.release();
    await display.whenDecodesBelow(2);
    expect(display.frameCount).toBe(0); // the first image still decodes
    decoder.held[0]?.release();
    await display.settled();
    expect(display.frameCount).toBe(2);
    const shot = display.screenshot();
    expect(pixel(shot, 0, 0)).toEqual(GREEN);
    expect(pixel(shot, 1, 1)).toEqual(BLUE);
    expect(pixel(shot, 3, 3)).toEqual(GREEN);
  });
});

describe("layers", () => {
  it("stacks children by z, then in the order they were made, above the parent", () => {
    const { display } = testDisplay();
    feed(
      display,
      ["size", 0, 10, 10],
      ...fill(0, 0, 0, 10, 10, BLUE),
      ["size", 1, 4, 4],
      ["size", 2, 4, 4],
      ...fill(1, 0, 0, 4, 4, RED),
      ...fill(2, 0, 0, 4, 4, GREEN),
      ["move", 2, 0, 1, 1, 0],
      ["move", 1, 0, 2, 2, 0], // the same parent: its place in the document stays
      ["sync", 1],
    );
    let shot = display.screenshot();
    expect(pixel(shot, 3, 3)).toEqual(GREEN);
    expect(pixel(shot, 5, 5)).toEqual(RED);
    feed(display, ["move", 1, 0, 2, 2, 5], ["sync", 2]);
    shot = display.screenshot();
    expect(pixel(shot, 3, 3)).toEqual(RED);
    expect(pixel(shot, 1, 1)).toEqual(GREEN);
    expect(pixel(shot, 9, 9)).toEqual(BLUE);
    // A child with z below -1 goes under its parent's canvas (the browser stacks that at -1).
    feed(display, ["move", 2, 0, 1, 1, -2], ["sync", 3]);
    expect(pixel(display.screenshot(), 1, 1)).toEqual(BLUE);
  });

  it("clips a child to its parent's box and moves it with the parent", () => {
    const { display } = testDisplay();
    feed(
      display,
      ["size", 0, 20, 20],
      ["size", 1, 5, 5],
      ["size", 2, 10, 10],
      ...fill(2, 0, 0, 10, 10, RED),
      ["move", 1, 0, 10, 10, 0],
      ["move", 2, 1, 2, 2, 0],
      ["sync", 1],
    );
    const shot = display.screenshot();
    expect(pixel(shot, 12, 12)).toEqual(RED);
    expect(pixel(shot, 14, 14)).toEqual(RED);
    expect(pixel(shot, 15, 15)).toEqual([0, 0, 0, 0]); // outside layer 1's 5×5 box
    expect(pixel(shot, 11, 11)).toEqual([0, 0, 0, 0]);
  });

  it("applies shade as opacity and hides a disposed layer", () => {
    const { display } = testDisplay();
    feed(
      display,
      ["size", 0, 4, 4],
      ...fill(0, 0, 0, 4, 4, BLUE),
      ["size", 1, 4, 4],
      ...fill(1, 0, 0, 4, 4, RED),
      ["shade", 1, 51],
      ["sync", 1],
    );
    const [r, g, b, a] = pixel(display.screenshot(), 0, 0);
    expect(a).toBe(255);
    expect(Math.abs((r ?? 0) - 51)).toBeLessThanOrEqual(1);
    expect(g).toBe(0);
    expect(Math.abs((b ?? 0) - 204)).toBeLessThanOrEqual(1);
    feed(display, ["dispose", 1], ["sync", 2]);
    expect(pixel(display.screenshot(), 0, 0)).toEqual(BLUE);
  });

  it("applies a layer's opacity to it and its children as one group, as the browser does", () => {
    const { display } = testDisplay();
    feed(
      display,
      ["size", 0, 4, 4],
      ...fill(0, 0, 0, 4, 4, BLUE),
      ["size", 1, 4, 4],
      ...fill(1, 0, 0, 4, 4, RED),
      ["size", 2, 4, 4],
      ...fill(2, 0, 0, 4, 4, GREEN),
      ["move", 2, 1, 0, 0, 0],
      ["shade", 1, 128],
      ["sync", 1],
    );
    // The group is all green (its child covers the red), then half of it over blue: no red.
    const [r, g, b, a] = pixel(display.screenshot(), 1, 1);
    expect(r).toBe(0);
    expect(Math.abs((g ?? 0) - 128)).toBeLessThanOrEqual(1);
    expect(Math.abs((b ?? 0) - 127)).toBeLessThanOrEqual(1);
    expect(a).toBe(255);
  });

  it("draws buffers only through copy", () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 8, 8], ...fill(-1, 0, 0, 2, 2, GREEN), ["sync", 1]);
    expect(pixel(display.screenshot(), 0, 0)).toEqual([0, 0, 0, 0]);
    feed(display, ["copy", -1, 0, 0, 2, 2, 0xe, 0, 6, 6], ["sync", 2]);
    expect(pixel(display.screenshot(), 7, 7)).toEqual(GREEN);
  });

  it("composes a distorted layer about its centre", () => {
    const { display } = testDisplay();
    // A 4×2 strip rotated a quarter turn about its centre (2, 1) stands 2 wide, 4 tall.
    feed(
      display,
      ["size", 0, 8, 8],
      ["size", 1, 4, 2],
      ...fill(1, 0, 0, 4, 2, RED),
      ["move", 1, 0, 2, 3, 0],
      ["distort", 1, 0, 1, -1, 0, 0, 0],
      ["sync", 1],
    );
    const shot = display.screenshot();
    let covered = 0;
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) if (pixel(shot, x, y)[3] === 255) covered++;
    expect(covered).toBe(8);
    expect(pixel(shot, 3, 2)).toEqual(RED);
    expect(pixel(shot, 4, 5)).toEqual(RED);
    expect(pixel(shot, 2, 3)).toEqual([0, 0, 0, 0]);
  });
});

describe("buffers in a frame", () => {
  it("a copy queued before the buffer's dispose still reads it; a later use gets a new buffer", () => {
    const { display } = testDisplay();
    feed(
      display,
      ["size", 0, 4, 4],
      ...fill(-1, 0, 0, 2, 2, GREEN),
      ["copy", -1, 0, 0, 2, 2, 0xe, 0, 0, 0],
      ["dispose", -1],
      ["copy", -1, 0, 0, 2, 2, 0xe, 0, 2, 2],
      ["sync", 1],
    );
    const shot = display.screenshot();
    expect(pixel(shot, 1, 1)).toEqual(GREEN);
    expect(pixel(shot, 3, 3)).toEqual([0, 0, 0, 0]);
  });

  it("an image whose layer was disposed before its end draws nothing and holds no memory", async () => {
    const { display } = testDisplay();
    feed(
      display,
      ["size", 0, 4, 4],
      ["img", 1, 0xe, 5, RAW_MIMETYPE, 0, 0],
      ["blob", 1, base64(rawImageBytes(solid(64, 64, RED)))],
    );
    feed(display, ["dispose", 5], ["end", 1], ["sync", 1]);
    await display.settled();
    expect(display.frameCount).toBe(1);
    expect(display.budget.bytes).toBe(0);
  });

  it("transfer 0x3 puts the source's pixels, alpha included, ignoring the channel mask", () => {
    const { display } = testDisplay();
    feed(
      display,
      ["size", 0, 4, 4],
      ...fill(0, 0, 0, 4, 4, BLUE),
      ...fill(-1, 0, 0, 1, 1, [10, 20, 30, 128]),
      ["transfer", -1, 0, 0, 2, 1, 0x3, 0, 0, 0],
      ["sync", 1],
    );
    const shot = display.screenshot();
    expect(pixel(shot, 0, 0)).toEqual([10, 20, 30, 128]);
    expect(pixel(shot, 1, 0)).toEqual([0, 0, 0, 0]); // the buffer's transparent pixel, put as is
  });
});

describe("the cursor", () => {
  it("is drawn into screenshots at the pointer minus its hotspot when asked", () => {
    const { display } = testDisplay();
    feed(
      display,
      ["size", 0, 10, 10],
      ...fill(-1, 0, 0, 2, 2, RED),
      ["cursor", 1, 1, -1, 0, 0, 2, 2],
      ["mouse", 5, 5],
      ["sync", 1],
    );
    expect(pixel(display.screenshot({ cursor: true }), 4, 4)).toEqual(RED);
    expect(pixel(display.screenshot({ cursor: true }), 6, 6)).toEqual([0, 0, 0, 0]);
    expect(pixel(display.screenshot(), 4, 4)).toEqual([0, 0, 0, 0]);
    expect(display.cursor.hotspotX).toBe(1);
  });
});

describe("screenshots", () => {
  test.prop([
    fc.record({ x: fc.nat(15), y: fc.nat(11) }).chain(({ x, y }) =>
      fc.record({
        x: fc.constant(x),
        y: fc.constant(y),
        width: fc.nat(16 - x),
        height: fc.nat(12 - y),
      }),
    ),
  ])("a region equals the same crop of the whole screen", (rect) => {
    const { display } = testDisplay();
    feed(
      display,
      ["size", 0, 16, 12],
      ["size", 1, 5, 5],
      ["move", 1, 0, 3, 4, 0],
      ["shade", 1, 200],
    );
    for (let i = 0; i < 12; i++)
      feed(display, ...fill(i % 2, i, i % 7, 3, 4, [i * 20, 255 - i * 9, i * 5, 255]));
    feed(display, ["sync", 1]);
    const full = display.screenshot();
    const part = display.screenshot({ rect });
    for (let y = 0; y < rect.height; y++) {
      for (let x = 0; x < rect.width; x++) {
        expect(pixel(part, x, y)).toEqual(pixel(full, rect.x + x, rect.y + y));
      }
    }
  });

  it("refuses a region outside the display", () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 4, 4], ["sync", 1]);
    expect(() => display.screenshot({ rect: { x: 2, y: 2, width: 4, height: 1 } })).toThrow(
      expect.objectContaining({ code: "BAD_REGION" }),
    );
  });
});

describe("bad input is skipped and reported, never thrown", () => {
  it("size 100000×100000 is past the pixel budget", () => {
    const { display, errors } = testDisplay();
    feed(
      display,
      ["size", 0, 1024, 768],
      ["size", 0, 100000, 100000],
      ["size", -1, 100000, 100000],
      ["sync", 1],
    );
    expect(errors).toEqual(["PIXEL_BUDGET", "PIXEL_BUDGET"]);
    expect([display.width, display.height]).toEqual([1024, 768]);
  });

  it("negative and out-of-range coordinates are clipped", () => {
    const { display, errors } = testDisplay();
    feed(
      display,
      ["size", 0, 8, 8],
      ...fill(0, -100, -100, 102, 102, RED),
      ...fill(0, 1_000_000, 5, 10, 10, GREEN),
      ["copy", 0, -50, -50, 100, 100, 0xe, 0, 1_000_000_000, -7],
      ["transfer", 0, -3, 900, 5, 5, 0xa, 0, -2, -2],
      ["sync", 1],
    );
    expect(errors).toEqual([]);
    const shot = display.screenshot();
    expect(pixel(shot, 1, 1)).toEqual(RED);
    expect(pixel(shot, 2, 2)).toEqual([0, 0, 0, 0]);
  });

  it("unknown streams, non-numbers, cycles and missing functions", () => {
    const { display, errors } = testDisplay();
    feed(
      display,
      ["blob", 9, "AAAA"],
      ["end", 9],
      ["rect", 0, "x", 0, 1, 1],
      ["size", 1, -5, 5],
      ["move", 1, 2, 0, 0, 0],
      ["move", 2, 1, 0, 0, 0],
      ["transfer", 0, 0, 0, 1, 1, 16, 0, 0, 0],
      ["lstroke", 0xe, 0, -1],
      ["clipboard", 4, "text/plain"],
      ["blob", 4, "aGk="],
      ["end", 4],
      ["sync", 1],
    );
    expect(errors).toEqual([
      "UNKNOWN_STREAM",
      "UNKNOWN_STREAM",
      "BAD_ARGUMENT",
      "BAD_ARGUMENT",
      "BAD_ARGUMENT",
      "UNSUPPORTED",
      "BAD_ARGUMENT", // the cycle, found when the frame runs
    ]);
    expect(display.frameCount).toBe(1);
  });

  it("an image stream that never ends is dropped at maxStreamBytes", () => {
    const { display, errors } = testDisplay({ maxStreamBytes: 1000 });
    feed(display, ["img", 1, 0xe, 0, RAW_MIMETYPE, 0, 0]);
    const chunk = base64(new Uint8Array(300));
    for (let i = 0; i < 100; i++) feed(display, ["blob", 1, chunk]);
    feed(display, ["end", 1], ["sync", 1]);
    expect(errors).toEqual(["STREAM_TOO_LARGE"]);
    expect(display.frameCount).toBe(1);
  });

  it("too many open image streams are refused", () => {
    const { display, errors } = testDisplay({ maxOpenStreams: 2 });
    for (let i = 0; i < 4; i++) feed(display, ["img", i, 0xe, 0, RAW_MIMETYPE, 0, 0]);
    expect(errors).toEqual(["TOO_MANY_STREAMS", "TOO_MANY_STREAMS"]);
  });

  it("colour channels out of 0-255 are clamped, as CSS reads rgba()", () => {
    const { display, errors } = testDisplay();
    feed(display, ["size", 0, 1, 1], ...fill(0, 0, 0, 1, 1, [300, -5, 0, 999]), ["sync", 1]);
    expect(errors).toEqual([]);
    expect(pixel(display.screenshot(), 0, 0)).toEqual([255, 0, 0, 255]);
  });

  it("layers past maxLayers are refused; the ones made keep working", () => {
    const { display, errors } = testDisplay({ maxLayers: 4 });
    feed(display, ["size", 0, 4, 4]);
    for (let i = 1; i <= 5; i++) feed(display, ...fill(-i, 0, 0, 1, 1, RED));
    feed(display, ["copy", -3, 0, 0, 1, 1, 0xe, 0, 0, 0], ["sync", 1]);
    expect(errors).toEqual([
      "TOO_MANY_LAYERS",
      "TOO_MANY_LAYERS",
      "TOO_MANY_LAYERS",
      "TOO_MANY_LAYERS",
    ]);
    expect(pixel(display.screenshot(), 0, 0)).toEqual(RED);
  });

  it("streams opened for others and never ended are forgotten past a bound", () => {
    const { display, errors } = testDisplay();
    for (let i = 0; i < 3000; i++) feed(display, ["audio", i, "audio/L16"]);
    feed(display, ["blob", 2999, "AAAA"], ["blob", 0, "AAAA"]);
    expect(errors).toEqual(["UNKNOWN_STREAM"]); // stream 0 was forgotten, 2999 is remembered
  });

  it("images past the decode backlog are skipped, not queued without end", async () => {
    const { display, decoder, errors } = testDisplay({
      maxConcurrentDecodes: 1,
      maxDecodeBacklogBytes: 100,
    });
    decoder.hold = true;
    feed(display, ["size", 0, 4, 4]);
    sendImage(display, 1, 0, 0, 0, RED, 4); // 66 bytes: decoding
    sendImage(display, 2, 0, 0, 0, GREEN, 4); // waits: 66 bytes in the backlog
    sendImage(display, 3, 0, 0, 0, BLUE, 4); // 132 would pass 100: skipped
    feed(display, ["sync", 1]);
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(errors).toEqual(["DECODE_BACKLOG"]);
    decoder.held[0]?.release();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    decoder.held[1]?.release();
    await display.settled();
    expect(pixel(display.screenshot(), 0, 0)).toEqual(GREEN);
  });

  it("a malformed image is skipped and the frame still shows", async () => {
    const { display, errors } = testDisplay();
    feed(
      display,
      ["size", 0, 4, 4],
      ["img", 1, 0xe, 0, RAW_MIMETYPE, 0, 0],
      ["blob", 1, base64(new Uint8Array([9, 9, 1]))],
      ["end", 1],
    );
    feed(display, ...fill(0, 0, 0, 1, 1, RED), ["sync", 1]);
    await display.settled();
    expect(errors).toEqual(["IMAGE_DECODE_FAILED"]);
    expect(pixel(display.screenshot(), 0, 0)).toEqual(RED);
  });

  it("drawing without a sync is shown after maxPendingTasks", () => {
    const { display, errors } = testDisplay({ maxPendingTasks: 10 });
    feed(display, ["size", 0, 4, 4]);
    for (let i = 0; i < 6; i++) feed(display, ...fill(0, 0, 0, 1, 1, RED));
    expect(errors).toEqual(["TOO_MANY_TASKS"]);
    expect(display.frameCount).toBe(1);
  });
});

describe("memory", () => {
  it("a 1920×1080 session holds at most three full-screen surfaces plus the buffers guacd asks for", async () => {
    const { display } = testDisplay();
    const full = 1920 * 1088 * 4; // canvases are rounded up to 64 rows
    feed(display, ["size", 0, 1920, 1080], ...fill(0, 0, 0, 1920, 1080, BLUE));
    // A terminal-like session: glyph buffers, scrolling copies, images, a cursor, a second layer.
    feed(display, ["size", -1, 256, 64], ...fill(-1, 0, 0, 256, 64, RED));
    const buffers = 256 * 256 * 4; // the buffer's canvas
    for (let i = 0; i < 20; i++) {
      feed(
        display,
        ["copy", 0, 0, 16, 1920, 1064, 0xe, 0, 0, 0],
        ["copy", -1, i, 0, 8, 16, 0xe, 0, i * 8, 1064],
      );
      sendImage(display, 1, 0, i * 10, 100, GREEN, 64);
      feed(display, ["sync", i]);
    }
    feed(display, ["cursor", 0, 0, -1, 0, 0, 16, 16], ["sync", 99]);
    await display.settled();
    display.screenshot({ cursor: true });
    const cursor = 64 * 64 * 4;
    expect(display.budget.peakBytes).toBeLessThanOrEqual(3 * full + buffers + cursor);
    expect(display.budget.peakBytes).toBeGreaterThanOrEqual(full);
  });
});
