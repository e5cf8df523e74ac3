// A GuacamoleClient carrying a HeadlessDisplay against the guacd simulator's SSH profile (a
// terminal replayed at its recorded pace, each key press echoed as a drawn cell and a sync).
import { GuacamoleClient, KEYSYMS } from "@guacstream/codec/client";
import { GuacdSimulator, guacdLikeOptions } from "@guacstream/guacd-sim";
import { loadCorpus } from "@guacstream/guacd-sim/node";
import { afterEach, expect, test } from "vitest";
import { DisplayStream } from "./display-stream.ts";
import { HeadlessDisplay } from "./headless-display.ts";
import { waitFor, waitForChange, waitForMatch } from "./waits/waits.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function openSsh(options: { display?: HeadlessDisplay } = {}) {
  const sim = new GuacdSimulator({ ...guacdLikeOptions(), corpus: await loadCorpus() });
  const toGuacd = new TransformStream<Uint8Array, Uint8Array>();
  const toClient = new TransformStream<Uint8Array, Uint8Array>();
  void sim.serve({ readable: toGuacd.readable, writable: toClient.writable });
  const display = options.display;
  const client = new GuacamoleClient(
    { readable: toClient.readable, writable: toGuacd.writable },
    display === undefined ? {} : { onInstruction: (instruction) => display.apply(instruction) },
  );
  cleanups.push(async () => {
    await client.close();
    await sim.closeAll();
  });
  await client.handshake({
    protocol: "ssh",
    parameters: { hostname: "h" },
    ...(display === undefined ? {} : { image: display.mimetypes }),
  });
  return { client, sim };
}

test("a client carries a display: the terminal appears, a key press is echoed, a screenshot shows it", async () => {
  const display = new HeadlessDisplay();
  const { client, sim } = await openSsh({ display });
  void (async () => {
    while ((await client.readInstruction()) !== undefined);
  })().catch(() => {});
  expect(sim.sessions[0]?.image).toEqual(["image/png", "image/jpeg", "image/webp"]);

  // The terminal's first frame: a sized display with something drawn on it.
  await waitFor(display, (image) => image.data.some((v, i) => i % 4 === 3 && v > 0), {
    timeout: 10_000,
  });
  expect([display.width, display.height]).toEqual([1024, 768]);

  // The simulator echoes a key press as a white 9×18 cell at the top left of layer 0, under
  // the terminal's layer 1 (so, as in a browser, the screen does not show it).
  let echoed = false;
  const stop = display.onFrame(() => {
    const pixels = display.layer(0)?.surface.pixels;
    if (pixels !== undefined && pixels[0] === 255 && pixels[1] === 255 && pixels[2] === 255)
      echoed = true;
  });
  await client.keyboard.press(KEYSYMS.Enter);
  const terminal = { x: 0, y: 0, width: 1024, height: 768 };
  const shot = await waitForChange(display, terminal, { timeout: 10_000 });
  await waitFor(display, () => echoed, { timeout: 10_000 });
  stop();
  expect(sim.sessions[0]?.output.keyEchoes).toBe(1);
  expect(shot.width).toBe(1024);
}, 20_000);

test("waitForMatch finds a region of a later frame that was recorded earlier", async () => {
  const display = new HeadlessDisplay();
  const { client } = await openSsh({ display });
  void (async () => {
    while ((await client.readInstruction()) !== undefined);
  })().catch(() => {});
  await waitFor(display, (image) => image.width > 0, { timeout: 10_000 });
  const region = { x: 0, y: 0, width: 64, height: 32 };
  const now = display.screenshot({ rect: region });
  expect((await waitForMatch(display, region, now, { timeout: 1000 })).width).toBe(64);
});

test("waitForChange sees the replayed terminal change", async () => {
  const display = new HeadlessDisplay();
  const { client } = await openSsh({ display });
  void (async () => {
    while ((await client.readInstruction()) !== undefined);
  })().catch(() => {});
  await waitFor(display, (image) => image.width > 0, { timeout: 10_000 });
  const changed = await waitForChange(display, undefined, { timeout: 10_000 });
  expect(changed.width).toBe(1024);
});

test("DisplayStream in a pipeline on the client's instructions", async () => {
  const display = new HeadlessDisplay();
  const { client } = await openSsh();
  const frames = client.instructions.pipeThrough(new DisplayStream(display)).getReader();
  let frame = await frames.read();
  while (!frame.done && frame.value.width === 0) frame = await frames.read();
  expect(frame.value).toMatchObject({ width: 1024, height: 768 });
  expect(frame.value?.index).toBeGreaterThan(0);
  await frames.cancel();
});
