// Run by runtimes.test.ts under Deno and Bun: decodes one image of each type the default decoder
// advertises (the bytes come in as base64 arguments) and prints what it got as JSON.
import { createImageDecoder } from "./image-decoder.ts";

const [png, jpeg, webp] =
  (globalThis as { process?: { argv: string[] } }).process?.argv.slice(-3) ?? [];
const decoder = createImageDecoder();
const bytes = (base64: string | undefined) =>
  Uint8Array.from(atob(base64 ?? ""), (c) => c.charCodeAt(0));
const result: Record<string, number[]> = {};
for (const [mimetype, data] of [
  ["image/png", png],
  ["image/jpeg", jpeg],
  ["image/webp", webp],
] as const) {
  const image = await decoder.decode(mimetype, bytes(data));
  result[mimetype] = [image.width, image.height, ...image.data.subarray(0, 4)];
}
console.log(JSON.stringify(result));
