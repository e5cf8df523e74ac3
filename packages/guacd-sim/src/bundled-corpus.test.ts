// The compact corpus shipped in the package (corpus/, built by scripts/build-corpus.mjs): it is
// what the installed simulator replays, so it must match its builder's output and hold every
// recording the full corpus has.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { CORPUS_ENV } from "./corpus-path.ts";
import { loadCorpus } from "./node.ts";
import { Recording } from "./recording.ts";

const bundledDir = fileURLToPath(new URL("../corpus/", import.meta.url));
const builder = fileURLToPath(new URL("../scripts/build-corpus.mjs", import.meta.url));

describe("the bundled corpus", () => {
  it("is what build-corpus.mjs makes from the full corpus (committed output is current)", () => {
    const result = spawnSync(process.execPath, [builder, "--check"], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("has every args, server and client recording of the full corpus, each framing whole", async () => {
    const full = await loadCorpus();
    const bundled = await loadCorpus(bundledDir);
    expect(Object.keys(bundled.args).sort()).toEqual(Object.keys(full.args).sort());
    expect(Object.keys(bundled.recordings).sort()).toEqual(Object.keys(full.recordings).sort());
    expect(Object.keys(bundled.clientRecordings).sort()).toEqual(
      Object.keys(full.clientRecordings).sort(),
    );
    for (const [name, bytes] of Object.entries(bundled.recordings)) {
      const recording = Recording.from(bytes);
      const original = Recording.from(full.recordings[name]!);
      expect(recording.endsWithDisconnect, name).toBe(original.endsWithDisconnect);
      if (bytes.length < full.recordings[name]!.length) {
        // Cut after a whole frame: the last instruction before the closing disconnect is a sync.
        expect(recording.opcodes.at(recording.endsWithDisconnect ? -2 : -1), name).toBe("sync");
      }
    }
  });

  it("stays a few megabytes", async () => {
    const bundled = await loadCorpus(bundledDir);
    const all = [bundled.args, bundled.recordings, bundled.clientRecordings].flatMap((group) =>
      Object.values(group),
    );
    const bytes = all.reduce((sum, recording) => sum + recording.length, 0);
    expect(bytes).toBeLessThan(5 * 1024 * 1024);
  });
});

describe("the corpus resolver's default, by where the package is", () => {
  /** Imports a copy of corpus-path.ts placed at `relative` under a temporary directory. */
  async function resolverAt(base: string, relative: string): Promise<string> {
    const file = join(base, relative);
    mkdirSync(join(file, ".."), { recursive: true });
    copyFileSync(fileURLToPath(new URL("./corpus-path.ts", import.meta.url)), file);
    const resolver = (await import(pathToFileURL(file).href)) as typeof import("./corpus-path.ts");
    return resolver.corpusPath();
  }

  it("is the package's own corpus when installed, and shared/corpus in the repository", async () => {
    const base = mkdtempSync(join(tmpdir(), "guacd-sim-resolver-"));
    const saved = process.env[CORPUS_ENV];
    delete process.env[CORPUS_ENV];
    try {
      const npm = "project/node_modules/@guacstream/guacd-sim/dist/corpus-path.ts";
      expect(await resolverAt(base, npm)).toBe(
        join(base, "project/node_modules/@guacstream/guacd-sim/corpus/"),
      );
      const denoCache =
        "deno/npm/registry.npmjs.org/@guacstream/guacd-sim/0.1.0/dist/corpus-path.ts";
      expect(await resolverAt(base, denoCache)).toBe(
        join(base, "deno/npm/registry.npmjs.org/@guacstream/guacd-sim/0.1.0/corpus/"),
      );
      const repo = "work/repo/packages/guacd-sim/src/corpus-path.ts";
      expect(await resolverAt(base, repo)).toBe(join(base, "work/shared/corpus/"));
    } finally {
      if (saved !== undefined) process.env[CORPUS_ENV] = saved;
      rmSync(base, { recursive: true, force: true });
    }
  });
});
