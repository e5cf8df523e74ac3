// Live: what the display draws from guacd's instructions against the X server's true pixels, on
// the real guacd's desktop targets, held still with `real-guacd.sh freeze` (and `thaw` after).
// Runs when GUACD_HOST and REAL_GUACD_SH (the path of real-guacd.sh) are set. With
// DISPLAY_SCREENSHOT_DIR set, both pictures are written there as PNG, to look at.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { GuacamoleClient } from "@guacstream/codec/client";
import { socketToDuplex } from "@guacstream/guacd-sim/node";
import { describe, expect, test } from "vitest";
import { HeadlessDisplay } from "./headless-display.ts";
import { decodePng } from "./image/png-decoder.ts";
import { encodePng } from "./image/png-encoder.ts";
import type { RgbaImage } from "./image/rgba-image.ts";
import { waitFor, waitForStill } from "./waits/waits.ts";

const host = process.env.GUACD_HOST;
const tool = process.env.REAL_GUACD_SH;
const shots = process.env.DISPLAY_SCREENSHOT_DIR;

/**
 * The documented bounds for lossy images: mean absolute error per channel (0–255). guacd sends the
 * RDP desktop's photographic background as lossy WebP unless told `force-lossless`: measured 3.4
 * (max 42); with `force-lossless` the picture is exact.
 */
const JPEG_MEAN_ERROR_BOUND = 4;
const RDP_MEAN_ERROR_BOUND = 6;

/** The real guacd's RDP target (xrdp in front of the VNC desktop), at 24-bit colour. */
const RDP = {
  hostname: "127.0.0.1",
  port: "3389",
  "ignore-cert": "true",
  security: "any",
  username: "guac",
  password: "guac",
  "color-depth": "24",
};

interface Comparison {
  readonly differing: number;
  readonly meanAbsoluteError: number;
  readonly maxError: number;
}

function compare(a: RgbaImage, b: RgbaImage): Comparison {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let differing = 0;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    let same = true;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs((a.data[i + c] as number) - (b.data[i + c] as number));
      sum += d;
      if (d > max) max = d;
      if (d !== 0) same = false;
    }
    if (!same) differing++;
  }
  return { differing, meanAbsoluteError: sum / ((a.data.length / 4) * 3), maxError: max };
}

async function sessionPicture(
  protocol: string,
  parameters: Record<string, string>,
  name: string,
  movingFor = 0,
): Promise<{ ours: RgbaImage; truth: RgbaImage; images: Record<string, number> }> {
  const socket = createConnection({ host, port: Number(process.env.GUACD_PORT ?? 4822) });
  await new Promise<void>((resolve, reject) =>
    socket.once("connect", resolve).once("error", reject),
  );
  const display = new HeadlessDisplay();
  const images: Record<string, number> = {};
  const client = new GuacamoleClient(socketToDuplex(socket), {
    onInstruction: (instruction) => {
      if (instruction.opcode === "img") {
        const type = instruction.args[3] ?? "";
        images[type] = (images[type] ?? 0) + 1;
      }
      display.apply(instruction);
    },
  });
  const run = (command: string, ...args: string[]) =>
    execFileSync("bash", [tool as string, command, ...args]);
  if (movingFor === 0) run("freeze");
  try {
    await client.handshake({
      protocol,
      parameters,
      width: 1280,
      height: 800,
      image: display.mimetypes,
    });
    void (async () => {
      while ((await client.readInstruction()) !== undefined);
    })().catch(() => {});
    // A desktop covers its whole screen: wait until every pixel is drawn, then for stillness.
    await waitFor(
      display,
      (image) => image.width > 0 && image.data.every((v, i) => i % 4 !== 3 || v === 255),
      {
        timeout: 30_000,
      },
    );
    if (movingFor > 0) {
      // Let guacd see a busy desktop (lossy updates), then hold it still.
      await new Promise((resolve) => setTimeout(resolve, movingFor));
      run("freeze");
    }
    const ours = await waitForStill(display, undefined, { quietFor: 1500, timeout: 30_000 });
    const file = join(shots ?? "/tmp", `${name}-framebuffer.png`);
    run("screenshot", file);
    const truth = await decodePng(new Uint8Array(readFileSync(file)));
    if (shots !== undefined)
      writeFileSync(join(shots, `${name}-display.png`), await encodePng(ours));
    return { ours, truth, images };
  } finally {
    run("thaw");
    await client.close();
  }
}

describe.skipIf(host === undefined || tool === undefined)(
  "live guacd: the display against the framebuffer",
  () => {
    test("VNC with force-lossless: pixel for pixel", { timeout: 90_000 }, async () => {
      const { ours, truth } = await sessionPicture(
        "vnc",
        { hostname: "127.0.0.1", port: "5900", "force-lossless": "true" },
        "vnc-lossless",
      );
      const result = compare(ours, truth);
      console.log("vnc lossless", result);
      expect(result.differing).toBe(0);
    });

    test(`VNC with lossy images allowed: mean absolute error per channel under ${JPEG_MEAN_ERROR_BOUND}`, {
      timeout: 90_000,
    }, async () => {
      // Connected while the clock and terminal move, so guacd may send lossy updates (WebP or
      // JPEG, whichever the client takes), then held still.
      const { ours, truth, images } = await sessionPicture(
        "vnc",
        { hostname: "127.0.0.1", port: "5900" },
        "vnc-lossy",
        4000,
      );
      const result = compare(ours, truth);
      console.log("vnc lossy allowed", images, result);
      expect(result.meanAbsoluteError).toBeLessThan(JPEG_MEAN_ERROR_BOUND);
    });

    test("RDP through xrdp with force-lossless: pixel for pixel", { timeout: 90_000 }, async () => {
      const { ours, truth, images } = await sessionPicture(
        "rdp",
        { ...RDP, "force-lossless": "true" },
        "rdp",
      );
      const result = compare(ours, truth);
      console.log("rdp lossless", images, result);
      expect(result.differing).toBe(0);
    });

    test(`RDP through xrdp, lossy allowed: mean absolute error per channel under ${RDP_MEAN_ERROR_BOUND}`, {
      timeout: 90_000,
    }, async () => {
      const { ours, truth, images } = await sessionPicture("rdp", RDP, "rdp-lossy");
      const result = compare(ours, truth);
      console.log("rdp lossy allowed", images, result);
      expect(result.meanAbsoluteError).toBeLessThan(RDP_MEAN_ERROR_BOUND);
    });
  },
);
