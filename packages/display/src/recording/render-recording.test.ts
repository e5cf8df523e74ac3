import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { GuacamoleProtocolError } from "@guacstream/codec";
import { describe, expect, it } from "vitest";
import { main } from "../cli.ts";
import { CORPUS_DIR, corpusFile } from "../image/_test-utils.ts";
import { decodePng } from "../image/png-decoder.ts";
import { contactSheet } from "./contact-sheet.ts";
import { recordingSpan } from "./recording-span.ts";
import { type RecordingFrame, renderRecording } from "./render-recording.ts";

async function collect(iterable: AsyncIterable<RecordingFrame>): Promise<RecordingFrame[]> {
  const frames: RecordingFrame[] = [];
  for await (const frame of iterable) frames.push(frame);
  return frames;
}

function syncTimes(bytes: Uint8Array): number[] {
  return [...new TextDecoder().decode(bytes).matchAll(/4\.sync,\d+\.(\d+)[,;]/g)].map((m) =>
    Number(m[1]),
  );
}

describe("renderRecording", () => {
  it("renders every frame of guacd's own recording, timed by its syncs", async () => {
    const bytes = corpusFile("native/vnc-native.guac");
    const frames = await collect(renderRecording([bytes], { everyFrame: true }));
    const times = syncTimes(bytes);
    expect(frames.map((f) => f.time)).toEqual(times.map((t) => t - (times[0] as number)));
    const last = frames.at(-1)?.image;
    expect([last?.width, last?.height]).toEqual([1280, 800]);
    // The desktop is drawn: not one flat colour.
    const data = last?.data ?? new Uint8ClampedArray();
    expect(new Set(Array.from({ length: 500 }, (_, i) => data[i * 8191 * 4])).size).toBeGreaterThan(
      2,
    );
  });

  it("gives, for each requested time, the frame shown then", async () => {
    const bytes = corpusFile("vnc-required.s2c.guac");
    const times = syncTimes(bytes);
    const span = (times.at(-1) as number) - (times[0] as number);
    const every = await collect(renderRecording([bytes], { everyFrame: true }));
    const at = await collect(renderRecording([bytes], { at: [span + 5000, 0, span] }));
    expect(at.map((f) => f.time)).toEqual([0, span, span + 5000]);
    expect(at[0]?.frame).toBe(1);
    const last = Buffer.from((every.at(-1)?.image.data ?? new Uint8ClampedArray()).buffer);
    expect(Buffer.from(at[1]?.image.data.buffer ?? new ArrayBuffer(0)).equals(last)).toBe(true);
    expect(Buffer.from(at[2]?.image.data.buffer ?? new ArrayBuffer(0)).equals(last)).toBe(true);
  });

  it("renders a recording cut inside an instruction up to the cut", async () => {
    const bytes = corpusFile("native/vnc-native.guac");
    const cut = bytes.subarray(0, Math.floor(bytes.length * 0.7));
    const frames = await collect(renderRecording([cut], { everyFrame: true }));
    expect(frames.length).toBeGreaterThan(0);
  });

  test.prop(
    [
      fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
        minLength: 1,
        maxLength: 20,
      }),
    ],
    {
      numRuns: 15,
    },
  )(
    "a mutated corpus recording renders or fails with the codec's typed error",
    async (mutations) => {
      const bytes = corpusFile("vnc-required.s2c.guac").slice();
      for (const { at, value } of mutations) bytes[at % bytes.length] = value;
      try {
        const frames = await collect(renderRecording([bytes], { everyFrame: true }));
        for (const f of frames)
          expect(f.image.data.length).toBe(f.image.width * f.image.height * 4);
      } catch (error) {
        expect(error).toBeInstanceOf(GuacamoleProtocolError);
      }
    },
    60_000,
  );

  it("stops when its signal aborts", async () => {
    const bytes = corpusFile("vnc-required.s2c.guac");
    const controller = new AbortController();
    controller.abort(new Error("enough"));
    await expect(
      collect(renderRecording([bytes], { everyFrame: true, signal: controller.signal })),
    ).rejects.toThrow("enough");
  });

  it("measures a recording's span", async () => {
    const bytes = corpusFile("ssh-text.s2c.guac");
    const times = syncTimes(bytes);
    expect(await recordingSpan(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream())).toEqual({
      duration: (times.at(-1) as number) - (times[0] as number),
      frames: times.length,
    });
  });
});

describe("contactSheet", () => {
  it("lays thumbnails out in a grid, scaled down by averaging", () => {
    const half = { width: 4, height: 2, data: new Uint8ClampedArray(32) };
    // Left half white, right half black: a 2-pixel-wide thumbnail is white then black.
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 2; x++) half.data.set([255, 255, 255, 255], (y * 4 + x) * 4);
    for (let y = 0; y < 2; y++)
      for (let x = 2; x < 4; x++) half.data.set([0, 0, 0, 255], (y * 4 + x) * 4);
    const frames = [0, 1, 2].map((i) => ({ time: i * 1000, frame: i, image: half }));
    const sheet = contactSheet(frames, { thumbnailWidth: 2, columns: 2, labels: false });
    expect([sheet.width, sheet.height]).toEqual([8 + 2 * 10, 8 + 2 * 9]);
    const px = (x: number, y: number) => [
      ...sheet.data.subarray((y * sheet.width + x) * 4, (y * sheet.width + x) * 4 + 4),
    ];
    expect(px(8, 8)).toEqual([255, 255, 255, 255]);
    expect(px(9, 8)).toEqual([0, 0, 0, 255]);
    expect(px(8, 17)).toEqual([255, 255, 255, 255]); // third thumbnail, second row
  });
});

describe("the guacstream-display command", () => {
  const quiet = { log() {}, error() {} };

  it("writes a PNG per requested time, a contact sheet, and refuses bad usage", async () => {
    const dir = await mkdtemp(join(tmpdir(), "guacstream-display-"));
    try {
      const recording = join(CORPUS_DIR, "vnc-required.s2c.guac");
      expect(await main(["render", recording, "--at", "0,0.5", "--out", dir], quiet)).toBe(0);
      expect((await readdir(dir)).sort()).toEqual(["at-0.000s.png", "at-0.500s.png"]);
      const frames = join(dir, "frames");
      expect(await main(["render", recording, "--every-frame", "--out", frames], quiet)).toBe(0);
      expect((await readdir(frames)).sort()).toEqual(["frame-000001.png", "frame-000002.png"]);
      const sheet = join(dir, "sheet.png");
      expect(
        await main(
          ["render", recording, "--contact-sheet", sheet, "--count", "4", "--width", "100"],
          quiet,
        ),
      ).toBe(0);
      const image = await decodePng(new Uint8Array(await readFile(sheet)));
      expect(image.width).toBe(8 + 2 * 108);
      expect(await main(["render", recording], quiet)).toBe(2);
      expect(await main(["render", recording, "--at", "x", "--out", dir], quiet)).toBe(2);
      expect(await main(["render", join(dir, "missing.guac"), "--every-frame"], quiet)).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
