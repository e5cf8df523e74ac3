import { GuacamoleProtocolError } from "./errors.ts";
import type { Instruction } from "./instruction.ts";
import type { GuacamoleLimits } from "./limits.ts";

const HAS_SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The length guacd expects for `value`: its number of Unicode code points. Throws
 * `LONE_SURROGATE` for a surrogate without its pair (it has no UTF-8 form, so the bytes sent would
 * silently differ) and `ELEMENT_TOO_LONG` past the limit.
 */
export function elementLength(value: string, index: number, limits: GuacamoleLimits): number {
  let length = value.length;
  if (HAS_SURROGATE.test(value)) {
    for (let i = 0; i < value.length; i++) {
      const unit = value.charCodeAt(i);
      if (unit < 0xd800 || unit > 0xdfff) continue;
      const next = value.charCodeAt(i + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw new GuacamoleProtocolError(
          "LONE_SURROGATE",
          `Cannot encode element ${index}: lone UTF-16 surrogate 0x${unit.toString(16)} at index ${i} has no UTF-8 form`,
          -1,
          index,
        );
      }
      i++;
      length--;
    }
  }
  if (length > limits.maxElementLength) {
    throw new GuacamoleProtocolError(
      "ELEMENT_TOO_LONG",
      `Cannot encode element ${index}: ${length} characters exceed the limit of ${limits.maxElementLength}; send large data as a stream of blobs`,
      -1,
      index,
    );
  }
  return length;
}

/** Checks the instruction's shape and element count; returns its number of elements. */
export function checkInstruction(instruction: Instruction, limits: GuacamoleLimits): number {
  if (
    instruction === null ||
    typeof instruction !== "object" ||
    typeof instruction.opcode !== "string" ||
    !Array.isArray(instruction.args)
  ) {
    throw new GuacamoleProtocolError(
      "INVALID_INSTRUCTION",
      "Cannot encode instruction: expected { opcode: string; args: string[] }",
    );
  }
  const count = instruction.args.length + 1;
  if (count > limits.maxElements) {
    throw new GuacamoleProtocolError(
      "TOO_MANY_ELEMENTS",
      `Cannot encode instruction "${instruction.opcode}": ${count} elements exceed the limit of ${limits.maxElements}`,
    );
  }
  for (let i = 0; i < instruction.args.length; i++) {
    if (typeof instruction.args[i] !== "string") {
      throw new GuacamoleProtocolError(
        "INVALID_INSTRUCTION",
        `Cannot encode instruction "${instruction.opcode}": argument ${i} is not a string`,
        -1,
        i + 1,
      );
    }
  }
  return count;
}

export function instructionTooLong(opcode: string, bytes: number, limits: GuacamoleLimits): never {
  throw new GuacamoleProtocolError(
    "INSTRUCTION_TOO_LONG",
    `Cannot encode instruction "${opcode}": ${bytes} bytes exceed the limit of ${limits.maxInstructionBytes}; send large data as a stream of blobs`,
  );
}
