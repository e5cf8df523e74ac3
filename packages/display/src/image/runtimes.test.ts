// The default image decoder in Deno and Bun, as in Node: each runtime loads the WASM decoders its
// own way (import.meta.resolve, node:fs/promises, getBuiltinModule("zlib")), so each is run.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { corpusFile, imagesOf } from "./_test-utils.ts";
import { createImageDecoder } from "./image-decoder.ts";
import { encodePng } from "./png-encoder.ts";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const probe = fileURLToPath(new URL("./_runtime-probe.ts", import.meta.url));

async function inputs(): Promise<string[]> {
  const png = await encodePng({
    width: 2,
    height: 1,
    data: new Uint8ClampedArray([9, 8, 7, 255, 1, 2, 3, 4]),
  });
  const { default: encode, init } = await import("@jsquash/jpeg/encode.js");
  const wasm = new URL(import.meta.resolve("@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm"));
  await init(await WebAssembly.compile(await readFile(wasm)));
  const jpeg = await encode(
    { width: 16, height: 8, data: new Uint8ClampedArray(512).fill(200), colorSpace: "srgb" },
    {},
  );
  const webp = imagesOf(corpusFile("vnc-required.s2c.guac")).find(
    (i) => i.mimetype === "image/webp",
  );
  return [png, new Uint8Array(jpeg), webp?.bytes ?? new Uint8Array()].map((b) =>
    Buffer.from(b).toString("base64"),
  );
}

async function expected(args: readonly string[]): Promise<Record<string, number[]>> {
  const decoder = createImageDecoder();
  const out: Record<string, number[]> = {};
  for (const [i, mimetype] of ["image/png", "image/jpeg", "image/webp"].entries()) {
    const image = await decoder.decode(
      mimetype,
      new Uint8Array(Buffer.from(args[i] as string, "base64")),
    );
    out[mimetype] = [image.width, image.height, ...image.data.subarray(0, 4)];
  }
  return out;
}

const runtimes: Record<string, (args: string[]) => string[]> = {
  deno: (args) => [
    require.resolve("deno/bin.cjs"),
    "run",
    "-A",
    "--conditions=@guacstream/source",
    probe,
    ...args,
  ],
  bun: (args) => [
    require.resolve("bun/bin/bun.exe"),
    "--conditions=@guacstream/source",
    probe,
    ...args,
  ],
};

describe("the default image decoder in other runtimes", () => {
  it.each(Object.keys(runtimes))(
    "%s decodes PNG, JPEG and WebP as Node does",
    { timeout: 60_000 },
    async (name) => {
      const args = await inputs();
      const [command, ...rest] = (runtimes[name] as (a: string[]) => string[])(args);
      const runner = command?.endsWith(".cjs") ? process.execPath : (command as string);
      const argv = command?.endsWith(".cjs") ? [command, ...rest] : rest;
      const { stdout } = await run(runner, argv, { maxBuffer: 1 << 20 });
      expect(JSON.parse(stdout.trim().split("\n").at(-1) as string)).toEqual(await expected(args));
    },
  );
});
