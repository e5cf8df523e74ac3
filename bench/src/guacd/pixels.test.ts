import { describe, expect, test, vi } from "vitest";
import { changedPixels, PixelWatch } from "./pixels.ts";

/** Draws a filled square at (x, y) in `rgb` on layer 0 and ends the frame. */
function square(watch: PixelWatch, x: number, y: number, rgb: readonly number[], at: number): void {
  for (const [opcode, ...args] of [
    ["rect", "0", String(x), String(y), "2", "2"],
    ["cfill", "14", "0", ...rgb.map(String), "255"],
    ["sync", String(at)],
  ]) {
    watch.apply({ opcode: opcode!, args });
  }
}

describe("what a person sees, from the headless display", () => {
  test("changed pixels are counted per pixel, not per byte", () => {
    const a = new Uint8ClampedArray([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(changedPixels(a, a.slice())).toBe(0);
    expect(changedPixels(a, new Uint8ClampedArray([1, 2, 3, 9, 5, 6, 7, 8]))).toBe(1);
  });

  test("frames that change pixels are told from frames that do not", async () => {
    const watch = new PixelWatch();
    watch.apply({ opcode: "size", args: ["0", "8", "8"] });
    square(watch, 0, 0, [255, 0, 0], 1);
    await watch.display.settled();
    watch.resetCounts();
    square(watch, 0, 0, [255, 0, 0], 2); // the same pixels again
    square(watch, 4, 4, [0, 0, 255], 3);
    await watch.display.settled();
    expect([watch.frames, watch.changedFrames, watch.changedPixels]).toEqual([2, 1, 4]);
  });

  test("input-to-photon waits for a change where the input lands, not elsewhere", async () => {
    const watch = new PixelWatch();
    watch.apply({ opcode: "size", args: ["0", "8", "8"] });
    square(watch, 0, 0, [255, 0, 0], 1);
    await watch.display.settled();
    const where = { x: 4, y: 4, width: 4, height: 4 };
    vi.useFakeTimers();
    try {
      // A change elsewhere, then none: no photon within the wait.
      const missing = watch.photon(async () => square(watch, 0, 0, [0, 255, 0], 2), where, 50);
      await vi.advanceTimersByTimeAsync(50);
      expect(await missing).toBeUndefined();
      // The answer comes 10 ms after the input: that is its photon time.
      const answer = async (): Promise<void> => {
        setTimeout(() => square(watch, 5, 5, [0, 255, 0], 3), 10);
      };
      const hitting = watch.photon(answer, where, 1000);
      await vi.advanceTimersByTimeAsync(10);
      expect(await hitting).toBe(10);
    } finally {
      vi.useRealTimers();
    }
  });

  test("an input sent before the screen holds where it lands is sent, not timed", async () => {
    const watch = new PixelWatch();
    let sent = 0;
    const send = async (): Promise<void> => {
      sent++;
    };
    // No `size` yet: the display is 0 × 0, as an RDP session's is before its first screen.
    expect(await watch.photon(send, { x: 0, y: 0, width: 4, height: 4 }, 50)).toBeUndefined();
    expect(await watch.photon(send, undefined, 50)).toBeUndefined();
    watch.apply({ opcode: "size", args: ["0", "8", "8"] });
    square(watch, 0, 0, [255, 0, 0], 1);
    await watch.display.settled();
    // A screen smaller than the area around the input: still not timed, and no error.
    expect(await watch.photon(send, { x: 4, y: 4, width: 64, height: 64 }, 50)).toBeUndefined();
    expect(sent).toBe(3);
  });

  test("pointer spots are taken only where no frame changed a pixel since the reset", async () => {
    const watch = new PixelWatch();
    // Four 64 × 64 cells; a first screen changes them all.
    watch.apply({ opcode: "size", args: ["0", "128", "128"] });
    square(watch, 0, 0, [255, 0, 0], 1);
    await watch.display.settled();
    watch.resetCells();
    // A clock ticking in the top-left cell, a scrolling line in the bottom-right one.
    square(watch, 10, 10, [0, 255, 0], 2);
    square(watch, 100, 120, [0, 0, 255], 3);
    await watch.display.settled();
    expect(watch.stillPoints(4)).toEqual([
      { x: 96, y: 32 },
      { x: 32, y: 96 },
    ]);
    expect(watch.stillPoints(1)).toEqual([{ x: 96, y: 32 }]);
    watch.resetCells();
    expect(watch.stillPoints(4)).toHaveLength(4);
  });

  test("image bytes are split into lossy (JPEG, WebP) and lossless by their stream's type", () => {
    const watch = new PixelWatch();
    watch.apply({ opcode: "img", args: ["1", "14", "0", "image/jpeg", "0", "0"] });
    watch.apply({ opcode: "blob", args: ["1", "AAAA"] });
    watch.apply({ opcode: "img", args: ["2", "14", "0", "image/png", "0", "0"] });
    watch.apply({ opcode: "blob", args: ["2", "AAAAAAAA"] });
    watch.apply({ opcode: "end", args: ["1"] });
    watch.apply({ opcode: "blob", args: ["1", "AAAA"] }); // after its end: not an image's
    expect([watch.lossyBytes, watch.imageBytes]).toEqual([3, 9]);
  });
});
