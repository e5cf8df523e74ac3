import { afterEach, describe, expect, it, vi } from "vitest";
import type { Instruction } from "../../wire/instruction.ts";
import { GuacamoleKeyboard } from "./keyboard.ts";
import { KEYSYMS } from "./keysyms.ts";

function recorder(): { sent: Instruction[]; keyboard: GuacamoleKeyboard } {
  const sent: Instruction[] = [];
  return { sent, keyboard: new GuacamoleKeyboard(async (...items) => void sent.push(...items)) };
}
const keys = (sent: Instruction[]): string[] => sent.map((i) => `${i.opcode}:${i.args.join(",")}`);

describe("GuacamoleKeyboard", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends key down and up and tracks what is held", async () => {
    const { sent, keyboard } = recorder();
    await keyboard.key(KEYSYMS.Shift, true);
    expect(keyboard.pressed).toEqual([0xffe1]);
    await keyboard.key(0x41, true);
    await keyboard.key(0x41, false);
    await keyboard.releaseAll();
    expect(keyboard.pressed).toEqual([]);
    expect(keys(sent)).toEqual(["key:65505,1", "key:65,1", "key:65,0", "key:65505,0"]);
  });

  it("presses a chord in order and releases it in reverse", async () => {
    const { sent, keyboard } = recorder();
    await keyboard.chord(KEYSYMS.Control, KEYSYMS.Alt, KEYSYMS.Delete);
    expect(keys(sent)).toEqual([
      "key:65507,1",
      "key:65513,1",
      "key:65535,1",
      "key:65535,0",
      "key:65513,0",
      "key:65507,0",
    ]);
  });

  it("types non-Latin and astral text as one key per code point", async () => {
    const { sent, keyboard } = recorder();
    await keyboard.type("é世😀\r");
    expect(keys(sent)).toEqual([
      "key:233,1",
      "key:233,0",
      `key:${0x01004e16},1`,
      `key:${0x01004e16},0`,
      `key:${0x0101f600},1`,
      `key:${0x0101f600},0`,
      "key:65293,1",
      "key:65293,0",
    ]);
  });

  it("on a terminal protocol, reports the characters beyond the BMP that guacd drops", async () => {
    const { sent, keyboard } = recorder();
    keyboard.protocol = "telnet";
    const result = await keyboard.type("é🌍Ω\u{10000}\uffff");
    expect(result).toEqual({
      typed: 5,
      dropped: [
        { index: 1, character: "🌍", keysym: 0x0101f30d },
        { index: 3, character: "\u{10000}", keysym: 0x01010000 },
      ],
    });
    // Sent all the same, as guacamole-common-js sends them.
    expect(sent).toHaveLength(10);
  });

  it("reports nothing dropped where it cannot be known", async () => {
    const { keyboard } = recorder();
    expect((await keyboard.type("🌍")).dropped).toEqual([]); // protocol not told (a join)
    keyboard.protocol = "vnc";
    expect(await keyboard.type("a🌍")).toEqual({ typed: 2, dropped: [] });
  });

  it("refuses bad text and keysyms before sending anything", async () => {
    const { sent, keyboard } = recorder();
    await expect(keyboard.type("ab\udc00")).rejects.toThrow(RangeError);
    await expect(keyboard.key(-1, true)).rejects.toThrow(RangeError);
    await expect(keyboard.key(0.5, true)).rejects.toThrow(/integer/);
    expect(sent).toEqual([]);
  });

  it("paces keys by the delay, and stops on abort with no key held", async () => {
    vi.useFakeTimers();
    const { sent, keyboard } = recorder();
    const controller = new AbortController();
    const typing = keyboard.type("abc", { delay: 100, signal: controller.signal });
    const failed = typing.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect(keys(sent)).toEqual(["key:97,1", "key:97,0"]);
    await vi.advanceTimersByTimeAsync(99);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(4);
    controller.abort(new Error("stop"));
    expect(await failed).toEqual(new Error("stop"));
    expect(sent).toHaveLength(4);
    expect(keyboard.pressed).toEqual([]);
  });
});
