import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { feed, solid, testDisplay } from "../_test-utils.ts";
import { VisualWaitError } from "./visual-wait-error.ts";
import { waitFor, waitForChange, waitForMatch, waitForStill } from "./waits.ts";

const RED = [255, 0, 0, 255];

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function paint(display: Parameters<typeof feed>[0], x: number, rgba: number[], sync: number): void {
  feed(display, ["rect", 0, x, 0, 1, 1], ["cfill", 0xe, 0, ...rgba], ["sync", sync]);
}

describe("waitForMatch", () => {
  it("resolves on the first frame where the region matches, not before", async () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 4, 4], ["sync", 1]);
    let done = false;
    const waiting = waitForMatch(display, { x: 2, y: 0, width: 1, height: 1 }, solid(1, 1, RED), {
      timeout: 5000,
    }).then((image) => {
      done = true;
      return image;
    });
    paint(display, 1, RED, 2);
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toBe(false);
    paint(display, 2, RED, 3);
    expect([...(await waiting).data]).toEqual(RED);
  });

  it("accepts a difference within the tolerance", async () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 1, 1]);
    paint(display, 0, [250, 0, 0, 255], 1);
    const shot = await waitForMatch(
      display,
      { x: 0, y: 0, width: 1, height: 1 },
      solid(1, 1, RED),
      { tolerance: 3 },
    );
    expect(shot.data[0]).toBe(250);
  });

  it("times out with the last screenshot and its distance from the reference", async () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 1, 1]);
    paint(display, 0, [0, 0, 0, 255], 1);
    const waiting = waitForMatch(display, { x: 0, y: 0, width: 1, height: 1 }, solid(1, 1, RED), {
      timeout: 2000,
    });
    const failure = waiting.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2000);
    const error = (await failure) as VisualWaitError;
    expect(error).toBeInstanceOf(VisualWaitError);
    expect(error.code).toBe("TIMEOUT");
    expect([...(error.screenshot?.data ?? [])]).toEqual([0, 0, 0, 255]);
    expect(error.distance).toBeCloseTo(Math.sqrt((255 * 255) / 4), 5);
  });

  it("refuses a reference of another size than the region", async () => {
    const { display } = testDisplay();
    await expect(
      waitForMatch(display, { x: 0, y: 0, width: 2, height: 1 }, solid(1, 1, RED)),
    ).rejects.toMatchObject({
      code: "BAD_REGION",
    });
  });
});

describe("waitForChange", () => {
  it("resolves once the region differs from when the wait began", async () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 4, 1], ["sync", 1]);
    const waiting = waitForChange(display, { x: 3, y: 0, width: 1, height: 1 });
    paint(display, 0, RED, 2); // outside the region
    let done = false;
    void waiting.then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(done).toBe(false);
    paint(display, 3, RED, 3);
    expect([...(await waiting).data]).toEqual(RED);
  });

  it("counts the first frame that shows a region the display did not have yet", async () => {
    const { display } = testDisplay();
    const waiting = waitForChange(display, { x: 0, y: 0, width: 2, height: 2 });
    feed(display, ["size", 0, 2, 2], ["sync", 1]);
    expect((await waiting).width).toBe(2);
  });

  it("stops when its signal aborts", async () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 1, 1], ["sync", 1]);
    const controller = new AbortController();
    const waiting = waitForChange(display, undefined, { signal: controller.signal });
    controller.abort(new Error("user gave up"));
    await expect(waiting).rejects.toMatchObject({ code: "ABORTED", distance: 1, checks: 1 });
  });
});

describe("waitFor", () => {
  it("re-checks the predicate after each frame and resolves when it holds", async () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 3, 1], ["sync", 1]);
    const seen: number[] = [];
    const waiting = waitFor(
      display,
      (image) => {
        seen.push(image.data[3] as number);
        return image.data[3] === 255;
      },
      { region: { x: 1, y: 0, width: 1, height: 1 } },
    );
    paint(display, 0, RED, 2);
    paint(display, 1, RED, 3);
    await waiting;
    expect(seen).toEqual([0, 0, 255]);
  });

  it("is aborted at once by an already-aborted signal", async () => {
    const { display } = testDisplay();
    await expect(
      waitFor(display, () => true, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: "ABORTED" });
  });
});

describe("waitForStill", () => {
  it("resolves once no frame has changed the region for the quiet period", async () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 4, 1], ["sync", 1]);
    let still = false;
    const waiting = waitForStill(display, undefined, { quietFor: 300 }).then((image) => {
      still = true;
      return image;
    });
    await vi.advanceTimersByTimeAsync(200);
    paint(display, 0, RED, 2); // a change restarts the quiet period
    await vi.advanceTimersByTimeAsync(200);
    paint(display, 0, RED, 3); // a frame that changes nothing does not
    await vi.advanceTimersByTimeAsync(99);
    expect(still).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect([...(await waiting).data.subarray(0, 4)]).toEqual(RED);
  });

  it("times out on a region that never holds still", async () => {
    const { display } = testDisplay();
    feed(display, ["size", 0, 1, 1], ["sync", 1]);
    const failure = waitForStill(display, undefined, { quietFor: 100, timeout: 1000 }).catch(
      (e: unknown) => e,
    );
    for (let i = 0; i < 20; i++) {
      paint(display, 0, [i * 10, 0, 0, 255], i + 2);
      await vi.advanceTimersByTimeAsync(60);
    }
    expect(await failure).toMatchObject({ code: "TIMEOUT" });
  });
});
