// Every recorded guacd stream in ../shared/corpus/ decodes completely, frames identically, and
// re-encodes to the recorded bytes; the malformed client streams fail with the right typed error.
import { describe, expect, test } from "vitest";
import {
  chunksOf,
  concat,
  corpusAvailable,
  corpusFiles,
  decodeChunks,
  frameChunks,
  readCorpus,
  sameBytes,
  text,
  utf8,
} from "../_test-utils.ts";
import { encodeInstruction, GuacamoleProtocolError } from "../index.ts";

const MALFORMED: Record<string, { code: string; offset?: number }> = {
  "errors/malformed-garbage.c2s.guac": { code: "INVALID_LENGTH", offset: 0 },
  // "6.select,4.vnc;" declares one character too many: it waits for a terminator that never comes.
  "errors/malformed-length.c2s.guac": { code: "TRUNCATED", offset: 0 },
  // The emoji counted as 2 (UTF-16 units): the parser reads one character too many, swallows the
  // "," and finds "0" where a terminator must be, exactly as guacd did.
  "errors/connect-utf16-length.c2s.guac": { code: "INVALID_TERMINATOR", offset: 314 },
};

/** Instructions whose values guacd sent as malformed UTF-8 (read as U+FFFD), per file. */
const MALFORMED_UTF8: Record<string, number> = { "ssh-text.s2c.guac": 1 };

/** Instruction counts from the corpus README's table and statistics. */
const COUNTS: Record<string, number> = {
  "vnc-desktop.s2c.guac": 3459,
  "vnc-desktop.c2s.guac": 57,
  "ssh-text.s2c.guac": 6149,
  "ssh-text.c2s.guac": 109,
  "vnc-desktop-20s.s2c.guac": 8813,
  "vnc-desktop-20s.c2s.guac": 243,
  "vnc-required.s2c.guac": 156,
  "vnc-required.c2s.guac": 81,
  "native/vnc-native.guac": 109,
  "errors/ssh-silent-client.s2c.guac": 137,
  "errors/ssh-bad-password.s2c.guac": 40,
};

// Each large recording is decoded four times over (three chunkings, then framed): seconds on a
// busy 2-core machine, past vitest's 5 s default once, so the budget is explicit.
describe.skipIf(!corpusAvailable())("recorded guacd traffic", { timeout: 60_000 }, () => {
  const files = corpusAvailable() ? corpusFiles() : [];
  const wellFormed = files.filter((f) => !(f in MALFORMED));

  test("the corpus is all there", () => {
    expect(wellFormed.length).toBeGreaterThanOrEqual(25);
    for (const name of [...Object.keys(MALFORMED), ...Object.keys(COUNTS)])
      expect(files).toContain(name);
  });

  test.each(wellFormed)("%s decodes, frames and re-encodes byte for byte", (name) => {
    const bytes = readCorpus(name);
    const whole = decodeChunks(chunksOf(bytes, 65536));
    if (name in COUNTS) expect(whole).toHaveLength(COUNTS[name]!);
    // The same instructions when every read ends somewhere else.
    for (const size of [1, 7, 4093]) {
      if (size === 1 && bytes.length > 400_000) continue;
      expect(decodeChunks(chunksOf(bytes, size))).toEqual(whole);
    }
    const frames = frameChunks(chunksOf(bytes, 65536));
    expect(frames).toHaveLength(whole.length);
    expect(sameBytes(concat(frames), bytes)).toBe(true);
    let malformed = 0;
    whole.forEach((instruction, i) => {
      const reencoded = encodeInstruction(instruction);
      if ([instruction.opcode, ...instruction.args].some((v) => v.includes("\uFFFD"))) {
        malformed++;
        return;
      }
      expect(reencoded).toBe(text(frames[i]!));
    });
    expect(malformed).toBe(MALFORMED_UTF8[name] ?? 0);
  });

  test("ssh-text.s2c carries the multilingual title and the title guacd cut inside ✓", () => {
    const names = decodeChunks([readCorpus("ssh-text.s2c.guac")]).filter(
      (i) => i.opcode === "name",
    );
    expect(names.map((i) => i.args[0])).toEqual(["Привет 世界 🌍 ünïcødé", "done \uFFFD"]);
  });

  test("ssh-text.c2s carries its non-ASCII connect value", () => {
    const connect = decodeChunks([readCorpus("ssh-text.c2s.guac")]).find(
      (i) => i.opcode === "connect",
    );
    expect(connect?.args.some((v) => /[^\x20-\x7e]/u.test(v))).toBe(true);
    expect(utf8(encodeInstruction(connect!)).length).toBeGreaterThan(0);
  });

  test.each(Object.entries(MALFORMED))("%s fails with %o", (name, expected) => {
    for (const size of [1, 5, 65536]) {
      let error: unknown;
      try {
        decodeChunks(chunksOf(readCorpus(name), size));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GuacamoleProtocolError);
      expect(error).toMatchObject(expected);
    }
  });
});
