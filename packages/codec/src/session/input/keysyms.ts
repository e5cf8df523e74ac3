/**
 * The X11 keysyms of keys that type no character, by the key names of the web's
 * `KeyboardEvent.key` (the names guacamole-common-js maps from). Left-hand keysyms for modifiers;
 * the right-hand ones carry a `Right` suffix. Values from X11's `keysymdef.h`.
 *
 * @example Press Ctrl+C by name
 * ```ts
 * import assert from "node:assert/strict";
 * import { KEYSYMS } from "@guacstream/codec/client";
 *
 * assert.equal(KEYSYMS.Control, 0xffe3);
 * assert.equal(KEYSYMS.Enter, 0xff0d);
 * assert.equal(KEYSYMS.F24, 0xffd5);
 * ```
 */
export const KEYSYMS = {
  Backspace: 0xff08,
  Tab: 0xff09,
  Linefeed: 0xff0a,
  Clear: 0xff0b,
  Enter: 0xff0d,
  Pause: 0xff13,
  ScrollLock: 0xff14,
  SysReq: 0xff15,
  Escape: 0xff1b,
  Home: 0xff50,
  ArrowLeft: 0xff51,
  ArrowUp: 0xff52,
  ArrowRight: 0xff53,
  ArrowDown: 0xff54,
  PageUp: 0xff55,
  PageDown: 0xff56,
  End: 0xff57,
  Select: 0xff60,
  PrintScreen: 0xff61,
  Execute: 0xff62,
  Insert: 0xff63,
  Undo: 0xff65,
  Redo: 0xff66,
  ContextMenu: 0xff67,
  Find: 0xff68,
  Cancel: 0xff69,
  Help: 0xff6a,
  Break: 0xff6b,
  NumLock: 0xff7f,
  F1: 0xffbe,
  F2: 0xffbf,
  F3: 0xffc0,
  F4: 0xffc1,
  F5: 0xffc2,
  F6: 0xffc3,
  F7: 0xffc4,
  F8: 0xffc5,
  F9: 0xffc6,
  F10: 0xffc7,
  F11: 0xffc8,
  F12: 0xffc9,
  F13: 0xffca,
  F14: 0xffcb,
  F15: 0xffcc,
  F16: 0xffcd,
  F17: 0xffce,
  F18: 0xffcf,
  F19: 0xffd0,
  F20: 0xffd1,
  F21: 0xffd2,
  F22: 0xffd3,
  F23: 0xffd4,
  F24: 0xffd5,
  Shift: 0xffe1,
  ShiftRight: 0xffe2,
  Control: 0xffe3,
  ControlRight: 0xffe4,
  CapsLock: 0xffe5,
  Meta: 0xffe7,
  MetaRight: 0xffe8,
  Alt: 0xffe9,
  AltRight: 0xffea,
  Super: 0xffeb,
  SuperRight: 0xffec,
  Hyper: 0xffed,
  HyperRight: 0xffee,
  AltGraph: 0xfe03,
  Delete: 0xffff,
} as const;
Object.freeze(KEYSYMS);

/** The name of a key in {@link KEYSYMS}. */
export type KeyName = keyof typeof KEYSYMS;

/** Modifier keys, for holding down around another key. */
const MODIFIERS: ReadonlySet<number> = new Set([
  KEYSYMS.Shift,
  KEYSYMS.ShiftRight,
  KEYSYMS.Control,
  KEYSYMS.ControlRight,
  KEYSYMS.Meta,
  KEYSYMS.MetaRight,
  KEYSYMS.Alt,
  KEYSYMS.AltRight,
  KEYSYMS.Super,
  KEYSYMS.SuperRight,
  KEYSYMS.Hyper,
  KEYSYMS.HyperRight,
  KEYSYMS.AltGraph,
]);

/**
 * Whether a keysym is a modifier key (Shift, Control, Alt, Meta, Super, Hyper, AltGraph).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isModifierKeysym, KEYSYMS } from "@guacstream/codec/client";
 *
 * assert.equal(isModifierKeysym(KEYSYMS.Shift), true);
 * assert.equal(isModifierKeysym(KEYSYMS.Enter), false);
 * ```
 */
export function isModifierKeysym(keysym: number): boolean {
  return MODIFIERS.has(keysym);
}
