import { describe, expect, it } from "vitest";
import type { Instruction } from "../wire/instruction.ts";
import { type DisplaySize, GuacamoleDisplay } from "./display.ts";

describe("GuacamoleDisplay", () => {
  it("asks for a size with or without dpi, and follows layer 0's size only", async () => {
    const sent: Instruction[] = [];
    const seen: DisplaySize[] = [];
    const display = new GuacamoleDisplay(
      async (...items) => void sent.push(...items),
      (size) => seen.push(size),
    );
    expect(display.size).toBeUndefined();
    await display.resize(800, 600);
    await display.resize(1920, 1080, 192);
    expect(sent).toEqual([
      { opcode: "size", args: ["800", "600"] },
      { opcode: "size", args: ["1920", "1080", "192"] },
    ]);
    const next = display.nextSize();
    display.observe({ opcode: "size", args: ["-1", "5", "5"] }); // a buffer
    display.observe({ opcode: "size", args: ["1", "5", "5"] }); // a visible layer
    display.observe({ opcode: "size", args: ["0", "x", "5"] }); // garbage
    expect(seen).toEqual([]);
    display.observe({ opcode: "size", args: ["0", "1920", "1080"] });
    expect(await next).toEqual({ width: 1920, height: 1080 });
    expect(display.size).toEqual({ width: 1920, height: 1080 });
    expect(seen).toEqual([{ width: 1920, height: 1080 }]);
  });

  it("refuses sizes guacd cannot apply", async () => {
    const display = new GuacamoleDisplay(async () => {});
    await expect(display.resize(0, 600)).rejects.toThrow(RangeError);
    await expect(display.resize(800, 70_000)).rejects.toThrow(RangeError);
    await expect(display.resize(800, 600, 0)).rejects.toThrow(RangeError);
  });
});
