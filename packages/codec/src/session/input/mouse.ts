import { instruction } from "../../wire/instruction.ts";
import { checkInteger, type SendInstructions } from "../_send.ts";
import {
  buttonMask,
  MOUSE_BUTTONS,
  type MouseButton,
  type MouseButtonState,
} from "./mouse-buttons.ts";

/** Where the mouse is and which buttons are down. */
export interface MouseState {
  /** Horizontal position in pixels. */
  readonly x: number;
  /** Vertical position in pixels. */
  readonly y: number;
  /** The button mask ({@link MOUSE_BUTTONS} bits). */
  readonly buttons: number;
}

/** Coordinates guacd reads with `atoi`: keep them within a C int. */
const MAX_COORDINATE = 0x7fffffff;

/**
 * The session's mouse: `mouse` instructions (position and button mask), clicks and wheel steps.
 * Get it from `GuacamoleClient.mouse`.
 *
 * @example Double-click, then scroll down three steps
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Instruction } from "@guacstream/codec";
 * import { GuacamoleMouse } from "@guacstream/codec/client";
 *
 * const sent: Instruction[] = [];
 * const mouse = new GuacamoleMouse(async (...items) => void sent.push(...items));
 * await mouse.click(100, 200, "left", 2);
 * await mouse.scroll(3);
 * assert.equal(sent.length, 4 + 6);
 * assert.deepEqual(sent[0], { opcode: "mouse", args: ["100", "200", "1"] });
 * assert.deepEqual(sent[4], { opcode: "mouse", args: ["100", "200", "16"] });
 * ```
 */
export class GuacamoleMouse {
  readonly #send: SendInstructions;
  #state: MouseState = { x: 0, y: 0, buttons: 0 };

  /** Sends `mouse` instructions through `send`. */
  constructor(send: SendInstructions) {
    this.#send = send;
  }

  /** The position and buttons last sent. */
  get state(): MouseState {
    return this.#state;
  }

  /**
   * Moves the mouse to (x, y) with the given buttons down (a mask, a list of names or a state
   * object); without `buttons`, the ones down now stay down.
   */
  async move(
    x: number,
    y: number,
    buttons: number | readonly MouseButton[] | MouseButtonState = this.#state.buttons,
  ): Promise<void> {
    checkInteger("mouse x", x, 0, MAX_COORDINATE);
    checkInteger("mouse y", y, 0, MAX_COORDINATE);
    const mask = typeof buttons === "number" ? buttons : buttonMask(buttons);
    checkInteger("button mask", mask, 0, 31);
    this.#state = { x, y, buttons: mask };
    await this.#send(instruction("mouse", x, y, mask));
  }

  /** Moves to (x, y) and presses and releases `button`, `count` times (2 for a double click). */
  async click(x: number, y: number, button: MouseButton = "left", count = 1): Promise<void> {
    checkInteger("click count", count, 1, 100);
    const bit = MOUSE_BUTTONS[button];
    if (bit === undefined) throw new RangeError(`Cannot click "${button}": no such button`);
    const others = this.#state.buttons & ~bit;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      sends.push(this.move(x, y, others | bit), this.move(x, y, others));
    }
    await Promise.all(sends);
  }

  /**
   * Turns the wheel where the mouse is: positive `steps` scroll down, negative up. Each step is a
   * press and release of the scroll button, as guacamole-common-js sends it.
   */
  async scroll(steps: number): Promise<void> {
    checkInteger("scroll steps", steps, -10_000, 10_000);
    const bit = steps > 0 ? MOUSE_BUTTONS.scrollDown : MOUSE_BUTTONS.scrollUp;
    const { x, y, buttons } = this.#state;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < Math.abs(steps); i++) {
      sends.push(this.move(x, y, buttons | bit), this.move(x, y, buttons & ~bit));
    }
    await Promise.all(sends);
  }
}
