import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { atoi, KeyLog, keyLogOf } from "./key-log.ts";

const TEST_DATA = join(dirname(fileURLToPath(import.meta.url)), "..", "test-data");
const GUACLOG_PREFIX = process.env.GUACLOG_PREFIX ?? "/tmp/real-guacd/prefix";
const GUACLOG = join(GUACLOG_PREFIX, "bin", "guaclog");
const recordings = readdirSync(TEST_DATA).filter((f) => f.endsWith(".guac"));

/** guaclog's own output for a recording's bytes (it writes `<file>.txt` beside the file). */
function guaclog(recording: Uint8Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "guaclog-"));
  try {
    const file = join(dir, "r.guac");
    writeFileSync(file, recording);
    execFileSync(GUACLOG, ["-f", file], {
      env: { ...process.env, LD_LIBRARY_PATH: join(GUACLOG_PREFIX, "lib") },
      stdio: "ignore",
    });
    return new Uint8Array(readFileSync(`${file}.txt`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const encode = (opcode: string, ...args: string[]) =>
  `${[opcode, ...args].map((e) => `${[...e].length}.${e}`).join(",")};`;

describe("keyLogOf on recorded sessions (guaclog's output beside each)", () => {
  it("has recordings to check", () => {
    expect(recordings.length).toBeGreaterThanOrEqual(3);
  });
  for (const name of recordings) {
    it(`${name}: byte for byte what guaclog wrote`, async () => {
      const result = await keyLogOf(readFileSync(join(TEST_DATA, name)));
      expect(result.error).toBeUndefined();
      expect(result.keys.length).toBeGreaterThan(0);
      expect(Buffer.from(result.bytes)).toEqual(readFileSync(join(TEST_DATA, `${name}.txt`)));
    });
  }

  it("reads a recording as a stream of small chunks the same", async () => {
    const bytes = new Uint8Array(readFileSync(join(TEST_DATA, recordings[0]!)));
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) =>
      bytes.subarray(i * 7, i * 7 + 7),
    );
    const whole = await keyLogOf(bytes);
    const streamed = await keyLogOf(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
          controller.close();
        },
      }),
    );
    expect(streamed.bytes).toEqual(whole.bytes);
  });
});

describe("KeyLog", () => {
  it("prints a shortcut with the modifiers still tracked, released ones before a held one too", () => {
    const log = new KeyLog();
    log.key(0xffe3, true); // Ctrl
    log.key(0xffe9, true); // Alt
    log.key(0xffe3, false); // Ctrl up, but Alt after it is held: guaclog keeps Ctrl listed
    log.key(0x78, true);
    log.key(0xffe9, false);
    log.key(0xff08, true); // Backspace, no modifier left
    log.key(0xffe3, true);
    log.key(0xff08, true); // a key typing nothing inside a shortcut: printf's "(null)"
    expect(log.text()).toBe("<Ctrl+Altx><Backspace><Ctrl(null)>");
  });

  it("stops where the recording is malformed, keeping what came before", async () => {
    const text = `${encode("key", "97", "1")}${encode("key", "98", "1")}3.ke`;
    const result = await keyLogOf(new TextEncoder().encode(`${text}y,x;`));
    expect(result.text).toBe("ab");
    expect(result.error).toMatchObject({ name: "GuacamoleProtocolError", code: "INVALID_LENGTH" });
  });

  it("atoi reads as glibc does", () => {
    expect([
      atoi("12abc"),
      atoi("-5"),
      atoi(" +7"),
      atoi(""),
      atoi("99999999999999999999"),
    ]).toEqual([12, -5, 7, 0, -1]);
  });
});

// Keysyms guaclog treats differently: named keys, modifiers, Latin-1, 16-bit Unicode (a
// surrogate and NUL among them), beyond 16 bits, unknown ones and negative values.
const keysymArb = fc.oneof(
  fc.constantFrom(0xffe1, 0xffe2, 0xffe3, 0xffe4, 0xffe7, 0xffe9, 0xffeb, 0xffed, 0xfe03),
  fc.constantFrom(0xff08, 0xff0d, 0xff80, 0xff8d, 0xffaa, 0xffb5, 0xffbe, 0xffe5, 0xffff),
  fc.integer({ min: 0, max: 0xff }),
  fc.integer({ min: 0x01000000, max: 0x0100ffff }),
  fc.constantFrom(0x0100d800, 0x01000000, 0x0101f30d, 0x10ffff, 0x1234, -1, -70000),
);
const eventArb = fc.record({
  keysym: keysymArb,
  pressed: fc.constantFrom("1", "0", "2", "-1", "x"),
  keysymText: fc.constantFrom("plain", "padded", "suffixed"),
});

describe.skipIf(!existsSync(GUACLOG))("against the real guaclog", () => {
  for (const name of recordings) {
    it(`${name}: the installed guaclog agrees with the stored log`, () => {
      const bytes = new Uint8Array(readFileSync(join(TEST_DATA, name)));
      expect(Buffer.from(guaclog(bytes))).toEqual(readFileSync(join(TEST_DATA, `${name}.txt`)));
    });
  }

  test.prop([fc.array(eventArb, { maxLength: 40 })])(
    "any key sequence logs byte for byte as guaclog logs it",
    async (events) => {
      const text = events
        .map(({ keysym, pressed, keysymText }) => {
          const k =
            keysymText === "padded"
              ? ` ${keysym}`
              : keysymText === "suffixed"
                ? `${keysym}z`
                : `${keysym}`;
          return encode("key", k, pressed, "1000");
        })
        .join("");
      const recording = new TextEncoder().encode(`${encode("sync", "1")}${text}`);
      const ours = await keyLogOf(recording);
      expect(Buffer.from(ours.bytes)).toEqual(Buffer.from(guaclog(recording)));
    },
    60_000, // one guaclog process per run
  );
});
