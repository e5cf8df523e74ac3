// Live: a HeadlessDisplay carried by a GuacamoleClient on a real guacd's SSH target. Runs when
// GUACD_HOST is set and an SSH target is given: GUACD_SSH_PARAMS (JSON, e.g.
// {"hostname":"127.0.0.1","port":"2222","username":"guac","password":"guac"}). With
// DISPLAY_SCREENSHOT_DIR set, the screenshots are written there as PNG, to look at.
import { writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { GuacamoleClient, KEYSYMS } from "@guacstream/codec/client";
import { socketToDuplex } from "@guacstream/guacd-sim/node";
import { describe, expect, test } from "vitest";
import { HeadlessDisplay } from "./headless-display.ts";
import type { RgbaImage } from "./image/rgba-image.ts";
import { screenshotPng } from "./screenshot-png.ts";
import { waitFor, waitForChange, waitForStill } from "./waits/waits.ts";

const host = process.env.GUACD_HOST;
const sshParams = process.env.GUACD_SSH_PARAMS;
const shots = process.env.DISPLAY_SCREENSHOT_DIR;

/** Whether the image shows anything but its background (the colour of its bottom-right pixel). */
function showsText(image: RgbaImage): boolean {
  const d = image.data;
  const bg = d.length - 4;
  for (let i = 0; i < d.length; i += 4) {
    const diff =
      Math.abs((d[i] as number) - (d[bg] as number)) +
      Math.abs((d[i + 1] as number) - (d[bg + 1] as number)) +
      Math.abs((d[i + 2] as number) - (d[bg + 2] as number));
    if (diff > 96) return true;
  }
  return false;
}

describe.skipIf(host === undefined || sshParams === undefined)(
  "live guacd: see the SSH session",
  () => {
    test("wait for the prompt, type a command, wait for the terminal to change, take a screenshot", {
      timeout: 60_000,
    }, async () => {
      const socket = createConnection({ host, port: Number(process.env.GUACD_PORT ?? 4822) });
      await new Promise<void>((resolve, reject) =>
        socket.once("connect", resolve).once("error", reject),
      );
      const display = new HeadlessDisplay();
      const client = new GuacamoleClient(socketToDuplex(socket), {
        onInstruction: (instruction) => display.apply(instruction),
      });
      try {
        await client.handshake({
          protocol: "ssh",
          parameters: JSON.parse(sshParams as string) as Record<string, string>,
          width: 800,
          height: 480,
          image: display.mimetypes,
        });
        void (async () => {
          while ((await client.readInstruction()) !== undefined);
        })().catch(() => {});

        // The prompt: text on the screen, then the screen holding still.
        await waitFor(display, showsText, { timeout: 20_000 });
        const prompt = await waitForStill(display, undefined, { quietFor: 500, timeout: 20_000 });
        expect(prompt.width).toBe(800);
        if (shots !== undefined)
          writeFileSync(join(shots, "ssh-prompt.png"), await screenshotPng(display));

        const changed = waitForChange(display, undefined, { timeout: 10_000 });
        await client.keyboard.type("echo guacstream-$((6*7))");
        await client.keyboard.press(KEYSYMS.Enter);
        await changed;
        // The command's output: wait until the screen holds still after it.
        await waitForStill(display, undefined, { quietFor: 500, timeout: 10_000 });
        const png = await screenshotPng(display, { cursor: true });
        if (shots !== undefined) writeFileSync(join(shots, "ssh-after.png"), png);
        expect(png.length).toBeGreaterThan(1000);
        expect(display.frameCount).toBeGreaterThan(2);
      } finally {
        await client.close();
      }
    });
  },
);
