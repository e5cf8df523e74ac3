// Test helpers for the display model: a tiny image decoder, scripted sessions, pixel access.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Instruction, InstructionDecoder } from "@guacstream/codec";
import { CORPUS_ENV, corpusMayBeMissing, corpusPath } from "@guacstream/guacd-sim";
import { HeadlessDisplay } from "./headless-display.ts";
import type { HeadlessDisplayOptions } from "./headless-display-options.ts";
import type { ImageDecoder, RgbaImage } from "./image/rgba-image.ts";

/** The mimetype of {@link rawImageBytes}: width, height (one byte each), then RGBA. */
export const RAW_MIMETYPE = "image/x-raw";

/** Encodes an image in the fake decoder's raw format. */
export function rawImageBytes(image: RgbaImage): Uint8Array {
  const bytes = new Uint8Array(2 + image.data.length);
  bytes[0] = image.width;
  bytes[1] = image.height;
  bytes.set(image.data, 2);
  return bytes;
}

/** A solid `width × height` image. */
export function solid(width: number, height: number, rgba: readonly number[]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { width, height, data };
}

/** Base64 of bytes, as guacd sends blobs. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/**
 * A decoder of the raw format whose decodes can be held and released in any order, to test that
 * drawing keeps guacd's order. With `hold: false` every decode resolves on the next microtask.
 */
export class FakeDecoder implements ImageDecoder {
  readonly mimetypes: readonly string[] = [RAW_MIMETYPE];
  readonly held: { release: () => void; fail: () => void }[] = [];
  hold = false;
  decodes = 0;

  decode(mimetype: string, bytes: Uint8Array): Promise<RgbaImage> {
    this.decodes++;
    const result = (): RgbaImage => {
      const width = bytes[0] ?? 0;
      const height = bytes[1] ?? 0;
      if (mimetype !== RAW_MIMETYPE || bytes.length !== 2 + width * height * 4) {
        throw new Error("malformed raw image");
      }
      return { width, height, data: new Uint8ClampedArray(bytes.subarray(2)) };
    };
    if (!this.hold) return Promise.resolve().then(result);
    return new Promise((resolve, reject) => {
      this.held.push({
        release: () => {
          try {
            resolve(result());
          } catch (e) {
            reject(e);
          }
        },
        fail: () => reject(new Error("failed")),
      });
    });
  }
}

/** A display with the fake decoder that records what it skipped. */
export function testDisplay(options: HeadlessDisplayOptions = {}): {
  display: HeadlessDisplay;
  decoder: FakeDecoder;
  errors: string[];
} {
  const decoder = new FakeDecoder();
  const errors: string[] = [];
  const display = new HeadlessDisplay({
    decoder,
    onError: (error) => errors.push(error.code),
    ...options,
  });
  return { display, decoder, errors };
}

/** Applies instructions written as arrays: `["size", 0, 10, 10]`. */
export function feed(display: HeadlessDisplay, ...instructions: (string | number)[][]): void {
  for (const [opcode, ...args] of instructions) {
    display.apply({ opcode: String(opcode), args: args.map(String) });
  }
}

/** Applies instructions given as Guacamole text or bytes. */
export function feedText(display: HeadlessDisplay, text: string | Uint8Array): number {
  let count = 0;
  const decoder = new InstructionDecoder(
    (i: Instruction) => {
      count++;
      display.apply(i);
    },
    { limits: { maxElementLength: 1 << 30, maxInstructionBytes: 1 << 30 } },
  );
  decoder.push(typeof text === "string" ? new TextEncoder().encode(text) : text);
  decoder.finish();
  return count;
}

/** The pixel at (x, y). */
export function pixel(image: RgbaImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 4;
  return [...image.data.subarray(i, i + 4)];
}

/** The recorded corpus directory (shared resolver). */
export const CORPUS_DIR: string = corpusPath();

/** Whether the corpus is here; in CI a missing corpus throws. */
export function corpusAvailable(): boolean {
  if (existsSync(join(CORPUS_DIR, "README.md"))) return true;
  const message = `Cannot find the corpus at ${CORPUS_DIR} (set ${CORPUS_ENV})`;
  if (!corpusMayBeMissing()) throw new Error(`${message}; CI runs every corpus test`);
  console.warn(`${message}: skipping the tests that need it`);
  return false;
}

/** The server-to-client recordings of the corpus, by name. */
export function corpusRecordings(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((name) => name.endsWith(".s2c.guac"))
    .sort();
}

/** One corpus file's bytes. */
export function readCorpus(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CORPUS_DIR, name)));
}
