// The live framebuffer tests' one setup: a session with the real guacd drawn by a HeadlessDisplay,
// the desktop held still with `real-guacd.sh freeze` (thawed after), and the X server's true
// pixels beside ours. Runs when GUACD_HOST and REAL_GUACD_SH (the path of real-guacd.sh) are set;
// DISPLAY_SCREENSHOT_DIR keeps both pictures as PNG, to look at.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GuacamoleClient } from "@guacstream/codec/client";
import { socketToDuplex } from "@guacstream/guacd-sim/node";
import { sleepReal } from "@guacstream/test-support";
import { HeadlessDisplay } from "./headless-display.ts";
import { createImageDecoder } from "./image/image-decoder.ts";
import { decodePng } from "./image/png-decoder.ts";
import { encodePng } from "./image/png-encoder.ts";
import type { ImageDecoder, RgbaImage } from "./image/rgba-image.ts";
import { waitFor, waitForStill } from "./waits/waits.ts";

const host = process.env.GUACD_HOST;
const tool = process.env.REAL_GUACD_SH;
const shots = process.env.DISPLAY_SCREENSHOT_DIR;

/** Whether the live framebuffer tests can run: a real guacd and its control script. */
export const liveFramebuffer: boolean = host !== undefined && tool !== undefined;

/** The real guacd's RDP target: xrdp in front of the VNC desktop. */
export const RDP_PARAMETERS: Readonly<Record<string, string>> = {
  hostname: "127.0.0.1",
  port: "3389",
  "ignore-cert": "true",
  security: "any",
  username: "guac",
  password: "guac",
};

/** How to take a picture: the connection, and how the desktop is held. */
export interface PictureOptions {
  readonly protocol: string;
  readonly parameters: Record<string, string>;
  /** The screenshots' file name prefix. */
  readonly name: string;
  /**
   * How long the desktop runs (the clock, the scrolling terminal) once drawn, so guacd has busy
   * regions to send lossy, before it is frozen; 0 freezes it before the session starts.
   */
  readonly busyFor?: number;
  /** The image types the client offers; by default all the display decodes. */
  readonly mimetypes?: readonly string[];
}

/** Our picture, the framebuffer's, and how many images of each type guacd sent. */
export interface Pictures {
  readonly ours: RgbaImage;
  readonly truth: RgbaImage;
  readonly images: Readonly<Record<string, number>>;
}

/** Runs a session until the display holds still on the frozen desktop, and takes both pictures. */
export function framebufferPictures(options: PictureOptions): Promise<Pictures> {
  return holdingDesktop(() => pictures(options));
}

const LOCK = join(tmpdir(), "guacstream-live-framebuffer.lock");
/** A lock left by a killed run is taken over after this long (no test holds the desktop longer). */
const STALE_LOCK_MS = 120_000;

/**
 * Runs `use` with the desktop to itself: test files run in parallel workers, and one's freeze or
 * thaw would spoil the other's picture. The lock is a directory, created atomically.
 */
async function holdingDesktop<T>(use: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      else await sleepReal(250); // another process holds it
    }
  }
  try {
    return await use();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function pictures(options: PictureOptions): Promise<Pictures> {
  const busyFor = options.busyFor ?? 0;
  const socket = createConnection({ host, port: Number(process.env.GUACD_PORT ?? 4822) });
  await new Promise<void>((resolve, reject) =>
    socket.once("connect", resolve).once("error", reject),
  );
  const inner = createImageDecoder();
  const decoder: ImageDecoder =
    options.mimetypes === undefined
      ? inner
      : { mimetypes: options.mimetypes, decode: (...args) => inner.decode(...args) };
  const display = new HeadlessDisplay({ decoder });
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
  if (busyFor === 0) run("freeze");
  try {
    await client.handshake({
      protocol: options.protocol,
      parameters: options.parameters,
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
      { timeout: 30_000 },
    );
    if (busyFor > 0) {
      // The X server's own clock moves the desktop: only real time makes it busy.
      await sleepReal(busyFor);
      run("freeze");
    }
    const ours = await waitForStill(display, undefined, { quietFor: 1500, timeout: 30_000 });
    const file = join(shots ?? "/tmp", `${options.name}-framebuffer.png`);
    run("screenshot", file);
    const truth = await decodePng(new Uint8Array(readFileSync(file)));
    if (shots !== undefined) {
      writeFileSync(join(shots, `${options.name}-display.png`), await encodePng(ours));
    }
    return { ours, truth, images };
  } finally {
    run("thaw");
    await client.close();
  }
}
