// Runs the README's "See the screen" example as written: against the guacd simulator with a small
// synthetic terminal (a prompt on layer 0, each key press echoed as a drawn cell), and against a
// real guacd's SSH target when GUACD_HOST is set.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadCorpus, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { afterAll, describe, expect, test } from "vitest";
import { pixel } from "./_test-utils.ts";
import { decodePng } from "./image/png-decoder.ts";

const README = readFileSync(join(import.meta.dirname, "../README.md"), "utf8");
const scratch = mkdtempSync(join(import.meta.dirname, ".readme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The README's example, with the package names pointed at their sources and the PNG at `out`. */
function example(out: string): string {
  const section = README.slice(README.indexOf("## See the screen"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error("Cannot find the example in the README");
  const source = (path: string) =>
    JSON.stringify(pathToFileURL(join(import.meta.dirname, path)).href);
  return code
    .replaceAll('"@guacstream/display"', source("index.ts"))
    .replaceAll('"@guacstream/transport-node"', source("../../transport-node/src/index.ts"))
    .replaceAll('"screen.png"', JSON.stringify(out));
}

let runs = 0;
async function runExample(): Promise<Uint8Array> {
  const n = ++runs;
  const out = join(scratch, `screen-${n}.png`);
  const file = join(scratch, `see-the-screen-${n}.ts`);
  writeFileSync(file, `${example(out)}\nexport {};\n`);
  await import(/* @vite-ignore */ pathToFileURL(file).href);
  return new Uint8Array(readFileSync(out));
}

/** A terminal in a few instructions: a black 640×480 screen and a grey prompt at the top left. */
const TERMINAL = new TextEncoder().encode(
  [
    "4.args,13.VERSION_1_5_0;",
    "5.ready,5.$term;",
    "4.size,1.0,3.640,3.480;",
    "4.rect,1.0,1.0,1.0,3.640,3.480;5.cfill,2.14,1.0,1.0,1.0,1.0,3.255;4.sync,4.1000;",
    "4.rect,1.0,1.0,1.0,2.27,2.12;5.cfill,2.14,1.0,3.200,3.200,3.200,3.255;4.sync,4.1100;",
  ].join(""),
);

describe("README: See the screen", () => {
  test("runs as written against the simulator: the screenshot shows the echo of what was typed", async () => {
    const corpus = await loadCorpus();
    const sim = await startGuacdSimulator({
      corpus: { args: corpus.args, recordings: { terminal: TERMINAL } },
      resolveSession: () => ({ recording: "terminal", pace: "fast", end: "hold", echoKeys: true }),
    });
    const saved = { host: process.env.GUACD_HOST, port: process.env.GUACD_PORT };
    process.env.GUACD_HOST = sim.host;
    process.env.GUACD_PORT = String(sim.port);
    try {
      const image = await decodePng(await runExample());
      expect([image.width, image.height]).toEqual([640, 480]);
      expect(pixel(image, 2, 2)).toEqual([255, 255, 255, 255]); // an echoed cell over the prompt
      expect(pixel(image, 4, 15)).toEqual([255, 255, 255, 255]); // below the prompt: only the echo
      expect(pixel(image, 300, 300)).toEqual([0, 0, 0, 255]);
      expect(
        sim.simulator.sessions[0]?.output.keyEchoes ?? sim.simulator.reports[0]?.output.keyEchoes,
      ).toBe(9);
    } finally {
      process.env.GUACD_HOST = saved.host;
      process.env.GUACD_PORT = saved.port;
      if (saved.host === undefined) delete process.env.GUACD_HOST;
      if (saved.port === undefined) delete process.env.GUACD_PORT;
      await sim.close();
    }
  }, 30_000);

  test.skipIf(process.env.GUACD_HOST === undefined || process.env.GUACD_SSH_PARAMS === undefined)(
    "runs as written against the real guacd's SSH target",
    async () => {
      const image = await decodePng(await runExample());
      expect(image.width).toBeGreaterThan(0);
    },
    60_000,
  );
});
