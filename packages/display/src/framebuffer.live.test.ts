// Live: what the display draws from guacd's instructions against the X server's true pixels, on
// the real guacd's desktop targets, held still (see _live-framebuffer.ts for the setup and the
// environment it needs).
import { describe, expect, test } from "vitest";
import { framebufferPictures, liveFramebuffer, RDP_PARAMETERS } from "./_live-framebuffer.ts";
import { compareImages } from "./image/_test-utils.ts";

/**
 * The documented bounds for lossy images: mean absolute error per channel (0–255). guacd sends the
 * RDP desktop's photographic background as lossy WebP unless told `force-lossless`; with
 * `force-lossless` the picture is exact.
 */
const JPEG_MEAN_ERROR_BOUND = 4;
const RDP_MEAN_ERROR_BOUND = 6;

const RDP = { ...RDP_PARAMETERS, "color-depth": "24" };

describe.skipIf(!liveFramebuffer)("live guacd: the display against the framebuffer", () => {
  test("VNC with force-lossless: pixel for pixel", { timeout: 90_000 }, async () => {
    const { ours, truth } = await framebufferPictures({
      protocol: "vnc",
      parameters: { hostname: "127.0.0.1", port: "5900", "force-lossless": "true" },
      name: "vnc-lossless",
    });
    const result = compareImages(ours, truth);
    console.log("vnc lossless", result);
    expect(result.differing).toBe(0);
  });

  test(`VNC with lossy images allowed: mean absolute error per channel under ${JPEG_MEAN_ERROR_BOUND}`, {
    timeout: 90_000,
  }, async () => {
    // Connected while the clock and terminal move, so guacd may send lossy updates (WebP or
    // JPEG, whichever the client takes), then held still.
    const { ours, truth, images } = await framebufferPictures({
      protocol: "vnc",
      parameters: { hostname: "127.0.0.1", port: "5900" },
      name: "vnc-lossy",
      busyFor: 4000,
    });
    const result = compareImages(ours, truth);
    console.log("vnc lossy allowed", images, result);
    expect(result.meanAbsoluteError).toBeLessThan(JPEG_MEAN_ERROR_BOUND);
  });

  test("RDP through xrdp with force-lossless: pixel for pixel", { timeout: 90_000 }, async () => {
    const { ours, truth, images } = await framebufferPictures({
      protocol: "rdp",
      parameters: { ...RDP, "force-lossless": "true" },
      name: "rdp",
    });
    const result = compareImages(ours, truth);
    console.log("rdp lossless", images, result);
    expect(result.differing).toBe(0);
  });

  test(`RDP through xrdp, lossy allowed: mean absolute error per channel under ${RDP_MEAN_ERROR_BOUND}`, {
    timeout: 90_000,
  }, async () => {
    const { ours, truth, images } = await framebufferPictures({
      protocol: "rdp",
      parameters: RDP,
      name: "rdp-lossy",
    });
    const result = compareImages(ours, truth);
    console.log("rdp lossy allowed", images, result);
    expect(result.meanAbsoluteError).toBeLessThan(RDP_MEAN_ERROR_BOUND);
  });
});
