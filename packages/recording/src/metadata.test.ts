import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseRecordingMetadata } from "./metadata.ts";

const TEST_DATA = join(dirname(fileURLToPath(import.meta.url)), "..", "test-data");
const sidecars = readdirSync(TEST_DATA).filter((f) => f.endsWith(".meta.json"));

describe("parseRecordingMetadata", () => {
  it("reads the sidecars the broker's recorder wrote for live sessions", () => {
    expect(sidecars.length).toBe(3);
    for (const file of sidecars) {
      const meta = parseRecordingMetadata(readFileSync(join(TEST_DATA, file), "utf8"));
      expect(file.startsWith(`${meta.protocol}-`)).toBe(true);
      expect(meta.keysRecorded).toBe(true);
      expect(Date.parse(meta.end)).toBeGreaterThan(Date.parse(meta.start));
    }
  });

  it("names the first field that is wrong", () => {
    const good = {
      connection: "c",
      protocol: "p",
      start: "s",
      end: "e",
      bytes: 1,
      keysRecorded: true,
    };
    expect(() => parseRecordingMetadata(JSON.stringify({ ...good, bytes: "1" }))).toThrow(
      /"bytes"/,
    );
    expect(() => parseRecordingMetadata("[]")).toThrow(TypeError);
    expect(() => parseRecordingMetadata(JSON.stringify({ ...good, truncated: 5 }))).toThrow(
      /"truncated"/,
    );
  });
});
