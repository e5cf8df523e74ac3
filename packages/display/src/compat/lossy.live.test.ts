// Live: lossy images from the real guacd against the X server's true pixels. The desktop runs
// busy first (the clock and the scrolling terminal make guacd send those regions as JPEG, the
// client offering PNG and JPEG only), then is frozen and both pictures are taken once the
// display holds still (see ../_live-framebuffer.ts for the setup and the environment it needs).
// guacd sends JPEG only for regions that change often: over RDP the run always carries some; the
// VNC desktop's clock ticks once a second and goes as PNG unless the screen is busier, so there
// the number of JPEGs is printed and only the error bound is asserted.
import { describe, expect, test } from "vitest";
import { framebufferPictures, liveFramebuffer, RDP_PARAMETERS } from "../_live-framebuffer.ts";
import { compareImages } from "../image/_test-utils.ts";

/**
 * The documented bounds, mean absolute error per channel (0-255) over the whole screen, with
 * JPEG in the picture: guacd's JPEG quality keeps a busy region within a few levels, and most of
 * the screen is lossless.
 */
const VNC_JPEG_BOUND = 3;
const RDP_JPEG_BOUND = 4;
/** How long the desktop runs busy before the freeze, so guacd has lossy regions to send. */
const BUSY_MS = 4000;

async function busyThenFrozen(protocol: string, parameters: Record<string, string>, name: string) {
  const { ours, truth, images } = await framebufferPictures({
    protocol,
    parameters,
    name,
    busyFor: BUSY_MS,
    mimetypes: ["image/png", "image/jpeg"],
  });
  return { ...compareImages(ours, truth), jpegs: images["image/jpeg"] ?? 0 };
}

describe.skipIf(!liveFramebuffer)("live guacd: JPEG against the framebuffer", () => {
  test(`VNC, busy then frozen: mean absolute error per channel under ${VNC_JPEG_BOUND}`, {
    timeout: 90_000,
  }, async () => {
    const result = await busyThenFrozen(
      "vnc",
      { hostname: "127.0.0.1", port: "5900" },
      "vnc-busy-jpeg",
    );
    console.log("vnc busy, JPEG allowed", result);
    expect(result.meanAbsoluteError).toBeLessThan(VNC_JPEG_BOUND);
  });

  test(`RDP, busy then frozen: mean absolute error per channel under ${RDP_JPEG_BOUND}`, {
    timeout: 90_000,
  }, async () => {
    const result = await busyThenFrozen("rdp", RDP_PARAMETERS, "rdp-busy-jpeg");
    console.log("rdp busy, JPEG allowed", result);
    expect(result.jpegs).toBeGreaterThan(0);
    expect(result.meanAbsoluteError).toBeLessThan(RDP_JPEG_BOUND);
  });
});
