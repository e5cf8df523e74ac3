/**
 * One Guacamole instruction: an opcode and its arguments, all strings.
 */
export interface Instruction {
  /** The first element: what the instruction does (`"sync"`, `"blob"`, `""` for tunnel-internal). */
  readonly opcode: string;
  /** The remaining elements, in order. */
  readonly args: readonly string[];
}

/**
 * Makes an instruction from an opcode and values; numbers and booleans become their decimal or
 * `"true"`/`"false"` text, as guacd writes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instruction } from "@guacstream/codec";
 *
 * assert.deepEqual(instruction("size", 1024, 768, 96), { opcode: "size", args: ["1024", "768", "96"] });
 * ```
 */
export function instruction(opcode: string, ...values: (string | number | boolean)[]): Instruction {
  const args = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) args[i] = String(values[i]);
  return { opcode, args };
}
