// Drops the image data (`blob` instructions) from a recording, keeping every other instruction
// byte for byte: a VNC recording shrinks from megabytes to kilobytes while guaclog, which reads
// `key` instructions only, writes the same log. Run with tsx:
//   tsx --conditions=@guacstream/source packages/recording/scripts/trim-recording.ts <in> <out>
import { readFileSync, writeFileSync } from "node:fs";
import { InstructionFramer } from "@guacstream/codec";

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined)
  throw new Error("usage: trim-recording <in> <out>");
const bytes = readFileSync(input);
const kept: Uint8Array[] = [];
const framer = new InstructionFramer((chunk, start, end) => {
  const frame = chunk.subarray(start, end);
  if (!Buffer.from(frame.subarray(0, 7)).equals(Buffer.from("4.blob,"))) kept.push(frame.slice());
});
framer.push(bytes);
framer.finish();
writeFileSync(output, Buffer.concat(kept));
console.log(`${input}: ${bytes.length} -> ${kept.reduce((n, f) => n + f.length, 0)} bytes`);
