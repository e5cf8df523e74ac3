/**
 * The bits of the button mask in Guacamole's `mouse` instruction: the three buttons and the two
 * scroll "buttons" (a wheel step is a press and release of `scrollUp` or `scrollDown`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MOUSE_BUTTONS } from "@guacstream/codec/client";
 *
 * assert.equal(MOUSE_BUTTONS.left | MOUSE_BUTTONS.right, 5);
 * ```
 */
export const MOUSE_BUTTONS = {
  left: 1,
  middle: 2,
  right: 4,
  scrollUp: 8,
  scrollDown: 16,
} as const;
Object.freeze(MOUSE_BUTTONS);

/** A mouse button's name in {@link MOUSE_BUTTONS}. */
export type MouseButton = keyof typeof MOUSE_BUTTONS;

/** Which buttons are down, by name; missing means up. */
export type MouseButtonState = Partial<Readonly<Record<MouseButton, boolean>>>;

/**
 * The button mask for buttons given by name (a list or a state object).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buttonMask } from "@guacstream/codec/client";
 *
 * assert.equal(buttonMask(["left", "middle"]), 3);
 * assert.equal(buttonMask({ right: true, left: false }), 4);
 * assert.equal(buttonMask([]), 0);
 * ```
 */
export function buttonMask(buttons: readonly MouseButton[] | MouseButtonState): number {
  let mask = 0;
  if (Array.isArray(buttons)) {
    for (const name of buttons as readonly MouseButton[]) mask |= bitOf(name);
    return mask;
  }
  for (const [name, down] of Object.entries(buttons)) if (down === true) mask |= bitOf(name);
  return mask;
}

function bitOf(name: string): number {
  const bit = (MOUSE_BUTTONS as Readonly<Record<string, number>>)[name];
  if (bit === undefined) {
    throw new RangeError(
      `Cannot make a button mask: "${name}" is none of ${Object.keys(MOUSE_BUTTONS).join(", ")}`,
    );
  }
  return bit;
}
