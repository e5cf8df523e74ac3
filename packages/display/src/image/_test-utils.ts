import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InstructionDecoder } from "@guacstream/codec";
import { corpusPath } from "@guacstream/guacd-sim";

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
