import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type CliOutput, main } from "./cli.ts";

const TEST_DATA = join(dirname(fileURLToPath(import.meta.url)), "..", "test-data");

function capture() {
  const lines: string[] = [];
  const written: Uint8Array[] = [];
  const out: CliOutput = {
    log: (line) => lines.push(line),
    error: (line) => lines.push(line),
    write: (bytes) => written.push(bytes),
  };
  return { out, lines, stdout: () => Buffer.concat(written) };
}

describe("guacstream-recording keys", () => {
  it("writes <recording>.txt as guaclog does, and refuses to overwrite it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-cli-"));
    try {
      const file = join(dir, "s.guac");
      copyFileSync(join(TEST_DATA, "ssh-guacd.guac"), file);
      expect(await main(["keys", file], capture().out)).toBe(0);
      expect(readFileSync(`${file}.txt`)).toEqual(
        readFileSync(join(TEST_DATA, "ssh-guacd.guac.txt")),
      );
      const again = capture();
      expect(await main(["keys", file], again.out)).toBe(1);
      expect(again.lines.join("\n")).toMatch(/EEXIST/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints to standard output with --stdout", async () => {
    const run = capture();
    const file = join(TEST_DATA, "telnet-guacd.guac");
    expect(await main(["keys", "--stdout", file], run.out)).toBe(0);
    expect(run.stdout()).toEqual(readFileSync(`${file}.txt`));
  });

  it("shows its usage for anything else", async () => {
    const run = capture();
    expect(await main(["play", "x.guac"], run.out)).toBe(2);
    expect(run.lines.join("\n")).toMatch(/^Usage: guacstream-recording keys/);
  });
});
