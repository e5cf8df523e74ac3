import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { SyncEchoScanner, syncReply } from "./sync-echo.ts";

const encoder = new TextEncoder();
const element = (v: string): string => `${[...v].length}.${v}`;
const instr = (opcode: string, ...args: string[]): string =>
  `${[opcode, ...args].map(element).join(",")};`;

/** What guacd sends after `ready`: frames of drawing and `sync`, with an occasional title. */
const streamArb = fc.array(
  fc.oneof(
    fc.nat({ max: 2 ** 40 }).map((ts) => ({ sync: String(ts) })),
    fc.base64String({ maxLength: 300 }).map((data) => ({ text: instr("blob", "1", data) })),
    fc.string({ maxLength: 20 }).map((title) => ({ text: instr("name", title) })),
    fc.constant({ text: instr("rect", "0", "1", "2", "3", "4") }),
  ),
  { maxLength: 40 },
);

describe("sync echo of the byte-only client kinds", () => {
  test.prop([streamArb, fc.array(fc.nat(), { maxLength: 30 })])(
    "every sync is echoed once, in order, wherever the reads are cut",
    (items, cuts) => {
      const text =
        instr("ready", "$x") +
        items.map((i) => ("sync" in i ? instr("sync", i.sync) : i.text)).join("");
      const bytes = encoder.encode(text);
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const echoed: string[] = [];
      const scanner = new SyncEchoScanner((ts) => echoed.push(ts));
      let from = 0;
      for (const p of [...points, bytes.length]) {
        scanner.push(bytes.subarray(from, p));
        from = p;
      }
      expect(echoed).toEqual(items.flatMap((i) => ("sync" in i ? [i.sync] : [])));
    },
  );

  test.prop([fc.nat({ max: 2 ** 40 })])("the reply is a well-formed sync", (ts) => {
    expect(new TextDecoder().decode(syncReply(String(ts)))).toBe(instr("sync", String(ts)));
  });
});
