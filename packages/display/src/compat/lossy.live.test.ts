// Live: lossy images from the real guacd against the X server's true pixels. The desktop runs
// busy first (the clock and the scrolling terminal make guacd send those regions as JPEG, the
// client advertising PNG and JPEG only), then is frozen (`real-guacd.sh freeze`, thawed in
// finally) and both pictures are taken once the display holds still. guacd sends JPEG only for
// regions that change often: over RDP the run always carries some; the VNC desktop's clock ticks
// once a second and goes as PNG unless the screen is busier, so the number of JPEGs is printed
// and only the error bound is asserted there. Runs when GUACD_HOST and REAL_GUACD_SH (the path of
// real-guacd.sh) are set; DISPLAY_SCREENSHOT_DIR keeps both pictures.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { GuacamoleClient } from "@guacstream/codec/client";
import { socketToDuplex } from "@guacstream/guacd-sim/node";
import { describe, expect, test } from "vitest";
import { HeadlessDisplay } from "../headless-display.ts";
import { createImageDecoder } from "../image/image-decoder.ts";
import { decodePng } from "../image/png-decoder.ts";
import { encodePng } from "../image/png-encoder.ts";
import type { ImageDecoder, RgbaImage } from "../image/rgba-image.ts";
import { waitFor, waitForStill } from "../waits/waits.ts";

const host = process.env.GUACD_HOST;
const tool = process.env.REAL_GUACD_SH;
const shots = process.env.DISPLAY_SCREENSHOT_DIR;

/**
 * The documented bounds, mean absolute error per channel (0-255) over the whole screen, with
 * JPEG in the picture: guacd's JPEG quality keeps a busy region within a few levels, and most of
 * the screen is lossless.
 */
const VNC_JPEG_BOUND = 3;
const RDP_JPEG_BOUND = 4;
/** How long the desktop runs busy before the freeze, so guacd has lossy regions to send. */
const BUSY_MS = 4000;

interface Comparison {
  readonly meanAbsoluteError: number;
  readonly maxError: number;
  readonly differingShare: number;
}

function compare(a: RgbaImage, b: RgbaImage): Comparison {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let differing = 0;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    let pixel = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs((a.data[i + c] as number) - (b.data[i + c] as number));
      sum += d;
      if (d > pixel) pixel = d;
    }
    if (pixel > 0) differing++;
    if (pixel > max) max = pixel;
  }
  const pixels = a.data.length / 4;
  return {
    meanAbsoluteError: sum / (pixels * 3),
    maxError: max,
    differingShare: differing / pixels,
  };
}

async function busyThenFrozen(
  protocol: string,
  parameters: Record<string, string>,
  name: string,
): Promise<Comparison & { jpegs: number }> {
  const socket = createConnection({ host, port: Number(process.env.GUACD_PORT ?? 4822) });
  await new Promise<void>((resolve, reject) =>
    socket.once("connect", resolve).once("error", reject),
  );
  const inner = createImageDecoder();
  let jpegs = 0;
  const decoder: ImageDecoder = {
    mimetypes: ["image/png", "image/jpeg"],
    decode(mimetype, bytes, signal) {
      if (mimetype === "image/jpeg") jpegs++;
      return inner.decode(mimetype, bytes, signal);
    },
  };
  const display = new HeadlessDisplay({ decoder });
  const client = new GuacamoleClient(socketToDuplex(socket), {
    onInstruction: (instruction) => display.apply(instruction),
  });
  const run = (command: string, ...args: string[]) =>
    execFileSync("bash", [tool as string, command, ...args]);
  try {
    await client.handshake({
      protocol,
      parameters,
      width: 1280,
      height: 800,
      image: decoder.mimetypes,
    });
    void (async () => {
      while ((await client.readInstruction()) !== undefined);
    })().catch(() => {});
    await waitFor(
      display,
      (image) => image.width > 0 && image.data.every((v, i) => i % 4 !== 3 || v === 255),
      { timeout: 30_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, BUSY_MS));
    run("freeze");
    try {
      const ours = await waitForStill(display, undefined, { quietFor: 1500, timeout: 20_000 });
      const file = join(shots ?? "/tmp", `${name}-framebuffer.png`);
      run("screenshot", file);
      const truth = await decodePng(new Uint8Array(readFileSync(file)));
      if (shots !== undefined)
        writeFileSync(join(shots, `${name}-display.png`), await encodePng(ours));
      return { ...compare(ours, truth), jpegs };
    } finally {
      run("thaw");
    }
  } finally {
    await client.close();
  }
}

describe.skipIf(host === undefined || tool === undefined)(
  "live guacd: JPEG against the framebuffer",
  () => {
    test(`VNC, busy then frozen: mean absolute error per channel under ${VNC_JPEG_BOUND}`, {
      timeout: 90_000,
    }, async () => {
      const result = await busyThenFrozen(
        "vnc",
        { hostname: "127.0.0.1", port: "5900" },
        "vnc-busy-jpeg",
      );
      console.log("vnc busy, JPEG allowed", result);
      expect(result.jpegs).toBeGreaterThan(0);
      expect(result.meanAbsoluteError).toBeLessThan(VNC_JPEG_BOUND);
    });

    test(`RDP, busy then frozen: mean absolute error per channel under ${RDP_JPEG_BOUND}`, {
      timeout: 90_000,
    }, async () => {
      const result = await busyThenFrozen(
        "rdp",
        {
          hostname: "127.0.0.1",
          port: "3389",
          "ignore-cert": "true",
          security: "any",
          username: "guac",
          password: "guac",
        },
        "rdp-busy-jpeg",
      );
      console.log("rdp busy, JPEG allowed", result);
      expect(result.jpegs).toBeGreaterThan(0);
      expect(result.meanAbsoluteError).toBeLessThan(RDP_JPEG_BOUND);
    });
  },
);
