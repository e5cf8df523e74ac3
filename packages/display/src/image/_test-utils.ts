import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InstructionDecoder } from "@guacstream/codec";
import { corpusPath } from "@guacstream/guacd-sim";
import type { RgbaImage } from "./rgba-image.ts";

/** The recorded corpus, found by the resolver every package's tests share. */
export const CORPUS_DIR: string = corpusPath();

/** Reads a corpus file by its name relative to the corpus folder. */
export function corpusFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CORPUS_DIR, name)));
}

/** The recordings of what guacd sent, as names relative to the corpus folder. */
export const RECORDINGS: readonly string[] = [
  "ssh-text.s2c.guac",
  "vnc-desktop.s2c.guac",
  "vnc-desktop-20s.s2c.guac",
  "vnc-required.s2c.guac",
  "native/vnc-native.guac",
];

/** One finished `img` stream of a recording: its mimetype and its base64-decoded bytes. */
export interface RecordedImage {
  readonly mimetype: string;
  readonly bytes: Uint8Array;
}

/** Every `img` stream of a recording that ended, with its payload joined and base64-decoded. */
export function imagesOf(recording: Uint8Array): RecordedImage[] {
  const open = new Map<string, { mimetype: string; parts: string[] }>();
  const images: RecordedImage[] = [];
  const decoder = new InstructionDecoder(({ opcode, args }) => {
    if (opcode === "img") open.set(args[0] as string, { mimetype: args[3] as string, parts: [] });
    else if (opcode === "blob") open.get(args[0] as string)?.parts.push(args[1] as string);
    else if (opcode === "end") {
      const stream = open.get(args[0] as string);
      open.delete(args[0] as string);
      if (stream !== undefined) {
        const bytes = stream.parts.map((p) => new Uint8Array(Buffer.from(p, "base64")));
        images.push({ mimetype: stream.mimetype, bytes: new Uint8Array(Buffer.concat(bytes)) });
      }
    }
  });
  decoder.push(recording);
  return images;
}

/** How far one picture is from another of the same size, over the colour channels (0-255). */
export interface ImageDifference {
  /** Pixels off by more than the tolerance in some channel. */
  readonly differing: number;
  /** `differing` over all pixels. */
  readonly differingShare: number;
  /** Mean absolute difference per channel. */
  readonly meanAbsoluteError: number;
  /** The largest difference of any channel of any pixel. */
  readonly maxError: number;
}

/**
 * Compares two pictures of the same size; a pixel counts as differing when some channel is off by
 * more than `tolerance` (a browser's rounding, for one).
 */
export function compareImages(a: RgbaImage, b: RgbaImage, tolerance = 0): ImageDifference {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`Cannot compare: ${a.width}×${a.height} against ${b.width}×${b.height}`);
  }
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
    if (pixel > tolerance) differing++;
    if (pixel > max) max = pixel;
  }
  const pixels = a.width * a.height;
  return {
    differing,
    differingShare: differing / pixels,
    meanAbsoluteError: sum / (pixels * 3),
    maxError: max,
  };
}
