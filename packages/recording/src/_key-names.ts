/**
 * How guaclog names and prints each keysym it knows (guacamole-server's src/guaclog/keydef.c, as
 * facts): `name` shows inside `<…>`, `value` is what the key types (`undefined`: it types
 * nothing printable, so it shows as `<name>`), and modifiers are tracked while held. Shift and
 * AltGr type the empty string: holding them does not make a shortcut; Ctrl, Alt, Meta, Super and
 * Hyper do.
 */
export interface KeyName {
  readonly name: string;
  readonly value: string | undefined;
  readonly modifier: boolean;
}

const key = (name: string, value?: string, modifier = false): KeyName => ({
  name,
  value,
  modifier,
});

/** The keysyms guaclog knows by name. */
export const KNOWN_KEYS: ReadonlyMap<number, KeyName> = new Map<number, KeyName>([
  [0xfe03, key("AltGr", "", true)],
  [0xff08, key("Backspace")],
  [0xff09, key("Tab")],
  [0xff0b, key("Clear")],
  [0xff0d, key("Return", "\n")],
  [0xff13, key("Pause")],
  [0xff14, key("Scroll")],
  [0xff15, key("SysReq")],
  [0xff1b, key("Escape")],
  [0xff50, key("Home")],
  [0xff51, key("Left")],
  [0xff52, key("Up")],
  [0xff53, key("Right")],
  [0xff54, key("Down")],
  [0xff55, key("Page Up")],
  [0xff56, key("Page Down")],
  [0xff57, key("End")],
  [0xff63, key("Insert")],
  [0xff65, key("Undo")],
  [0xff6a, key("Help")],
  [0xff7f, key("Num")],
  [0xff80, key("Space", " ")],
  [0xff8d, key("Enter", "\n")],
  [0xff95, key("Home")],
  [0xff96, key("Left")],
  [0xff97, key("Up")],
  [0xff98, key("Right")],
  [0xff99, key("Down")],
  [0xff9a, key("Page Up")],
  [0xff9b, key("Page Down")],
  [0xff9c, key("End")],
  [0xff9e, key("Insert")],
  [0xffaa, key("*", "*")],
  [0xffab, key("+", "+")],
  [0xffad, key("-", "-")],
  [0xffae, key(".", ".")],
  [0xffaf, key("/", "/")],
  ...Array.from({ length: 10 }, (_, d): [number, KeyName] => [0xffb0 + d, key(`${d}`, `${d}`)]),
  ...Array.from({ length: 24 }, (_, f): [number, KeyName] => [0xffbe + f, key(`F${f + 1}`)]),
  [0xffe1, key("Shift", "", true)],
  [0xffe2, key("Shift", "", true)],
  [0xffe3, key("Ctrl", undefined, true)],
  [0xffe4, key("Ctrl", undefined, true)],
  [0xffe5, key("Caps")],
  [0xffe7, key("Meta", undefined, true)],
  [0xffe8, key("Meta", undefined, true)],
  [0xffe9, key("Alt", undefined, true)],
  [0xffea, key("Alt", undefined, true)],
  [0xffeb, key("Super", undefined, true)],
  [0xffec, key("Super", undefined, true)],
  [0xffed, key("Hyper", undefined, true)],
  [0xffee, key("Hyper", undefined, true)],
  [0xffff, key("Delete")],
]);
