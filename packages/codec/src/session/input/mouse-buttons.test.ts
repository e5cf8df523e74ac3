import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { buttonMask, MOUSE_BUTTONS, type MouseButton } from "./mouse-buttons.ts";

const names = Object.keys(MOUSE_BUTTONS) as MouseButton[];

describe("buttonMask", () => {
  it("has the protocol's bits", () => {
    expect(MOUSE_BUTTONS).toEqual({ left: 1, middle: 2, right: 4, scrollUp: 8, scrollDown: 16 });
  });

  test.prop([fc.subarray(names)])("a list and a state object give the same mask", (down) => {
    const state = Object.fromEntries(names.map((n) => [n, down.includes(n)]));
    expect(buttonMask(down)).toBe(buttonMask(state));
    expect(buttonMask(down)).toBe(down.reduce((m, n) => m + MOUSE_BUTTONS[n], 0));
  });

  it("refuses a button it does not know", () => {
    expect(() => buttonMask(["left", "back" as MouseButton])).toThrow(/"back" is none of/);
  });
});
