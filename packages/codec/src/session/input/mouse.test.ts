import { describe, expect, it } from "vitest";
import { GuacamoleClientError } from "../../wire/errors.ts";
import type { Instruction } from "../../wire/instruction.ts";
import { GuacamoleMouse } from "./mouse.ts";
import { GuacamoleTouch } from "./touch.ts";

const line = (i: Instruction): string => `${i.opcode}:${i.args.join(",")}`;

describe("GuacamoleMouse", () => {
  it("moves with a mask, names or a state, keeping buttons held", async () => {
    const sent: Instruction[] = [];
    const mouse = new GuacamoleMouse(async (...items) => void sent.push(...items));
    await mouse.move(1, 2, ["left"]);
    await mouse.move(3, 4);
    await mouse.move(5, 6, { right: true });
    await mouse.move(7, 8, 0);
    expect(sent.map(line)).toEqual(["mouse:1,2,1", "mouse:3,4,1", "mouse:5,6,4", "mouse:7,8,0"]);
    expect(mouse.state).toEqual({ x: 7, y: 8, buttons: 0 });
  });

  it("clicks and double-clicks without dropping other held buttons", async () => {
    const sent: Instruction[] = [];
    const mouse = new GuacamoleMouse(async (...items) => void sent.push(...items));
    await mouse.move(0, 0, ["middle"]);
    await mouse.click(10, 20, "right", 2);
    expect(sent.slice(1).map(line)).toEqual([
      "mouse:10,20,6",
      "mouse:10,20,2",
      "mouse:10,20,6",
      "mouse:10,20,2",
    ]);
  });

  it("scrolls down and up by wheel steps where the mouse is", async () => {
    const sent: Instruction[] = [];
    const mouse = new GuacamoleMouse(async (...items) => void sent.push(...items));
    await mouse.move(5, 5);
    await mouse.scroll(2);
    await mouse.scroll(-1);
    expect(sent.slice(1).map(line)).toEqual([
      "mouse:5,5,16",
      "mouse:5,5,0",
      "mouse:5,5,16",
      "mouse:5,5,0",
      "mouse:5,5,8",
      "mouse:5,5,0",
    ]);
  });

  it("refuses coordinates guacd cannot read", async () => {
    const mouse = new GuacamoleMouse(async () => {});
    await expect(mouse.move(-1, 0)).rejects.toThrow(RangeError);
    await expect(mouse.move(1.5, 0)).rejects.toThrow(RangeError);
    await expect(mouse.move(0, 0, 32)).rejects.toThrow(RangeError);
  });
});

describe("GuacamoleTouch", () => {
  it("sends touch with its defaults on 1.3.0", async () => {
    const sent: Instruction[] = [];
    const touch = new GuacamoleTouch(async (...items) => void sent.push(...items), "VERSION_1_3_0");
    await touch.touch(1, { x: 3, y: 4, radiusX: 5, radiusY: 6, angle: 45.5, force: 0.5 });
    await touch.lift(1, 3, 4);
    expect(sent.map(line)).toEqual(["touch:1,3,4,5,6,45.5,0.5", "touch:1,3,4,1,1,0,0"]);
  });

  it.each([["VERSION_1_1_0"], ["VERSION_1_0_0"], [undefined]])(
    "refuses touch on %s with UNSUPPORTED_VERSION and sends nothing",
    async (version) => {
      const sent: Instruction[] = [];
      const touch = new GuacamoleTouch(async (...items) => void sent.push(...items), version);
      const error = await touch.touch(0, { x: 1, y: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GuacamoleClientError);
      expect((error as GuacamoleClientError).code).toBe("UNSUPPORTED_VERSION");
      expect(sent).toEqual([]);
    },
  );
});
