import { checkInstruction, elementLength, instructionTooLong } from "./_element.ts";
import { GuacamoleProtocolError } from "./errors.ts";
import type { Instruction } from "./instruction.ts";
import { type GuacamoleLimits, resolveLimits } from "./limits.ts";

const NON_ASCII = /[\u0080-\uFFFF]/;
const DEFAULT = resolveLimits();

/**
 * Encodes one instruction as Guacamole text: `LENGTH.VALUE` elements joined by `,`, ended by `;`,
 * each length counting Unicode code points. Throws `GuacamoleProtocolError` for a lone surrogate
 * or a value, element count or size beyond the limits (guacd's by default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeInstruction } from "@guacstream/codec";
 *
 * assert.equal(encodeInstruction({ opcode: "name", args: ["🌍;x"] }), "4.name,3.🌍;x;");
 * ```
 */
export function encodeInstruction(
  instruction: Instruction,
  limits: Partial<GuacamoleLimits> = DEFAULT,
): string {
  const resolved = resolveLimits(limits);
  checkInstruction(instruction, resolved);
  const { opcode, args } = instruction;
  let text = `${elementLength(opcode, 0, resolved)}.${opcode}`;
  for (let i = 0; i < args.length; i++) {
    const value = args[i]!;
    text += `,${elementLength(value, i + 1, resolved)}.${value}`;
  }
  text += ";";
  const bytes = utf8Length(text);
  if (bytes > resolved.maxInstructionBytes) instructionTooLong(opcode, bytes, resolved);
  return text;
}

/**
 * Decodes exactly one instruction from text (a whole `…;`, nothing after it), counting lengths in
 * code points. The text-level twin of {@link encodeInstruction}; for bytes off a socket use
 * `InstructionDecoderStream`. Error offsets are UTF-16 indexes into `text`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeInstruction } from "@guacstream/codec";
 *
 * assert.deepEqual(decodeInstruction("5.ready,4.$abc;"), { opcode: "ready", args: ["$abc"] });
 * ```
 */
export function decodeInstruction(
  text: string,
  limits: Partial<GuacamoleLimits> = DEFAULT,
): Instruction {
  const resolved = resolveLimits(limits);
  const fail = (code: GuacamoleProtocolError["code"], detail: string, at: number, el: number) => {
    throw new GuacamoleProtocolError(
      code,
      `Cannot decode instruction: ${detail} (element ${el}, index ${at})`,
      at,
      el,
    );
  };
  const elements: string[] = [];
  let i = 0;
  for (;;) {
    const element = elements.length;
    let length = 0;
    let digits = 0;
    for (;;) {
      if (i >= text.length)
        return fail("TRUNCATED", "text ended inside the instruction", i, element);
      const unit = text.charCodeAt(i);
      if (unit === 0x2e && digits > 0) break;
      if (unit < 0x30 || unit > 0x39) {
        fail("INVALID_LENGTH", 'expected a length digit or "."', i, element);
      }
      if (++digits > resolved.maxLengthDigits) {
        fail(
          "LENGTH_TOO_LONG",
          `length has more than ${resolved.maxLengthDigits} digits`,
          i,
          element,
        );
      }
      length = length * 10 + (unit - 0x30);
      if (length > resolved.maxElementLength) {
        fail("ELEMENT_TOO_LONG", `length exceeds ${resolved.maxElementLength}`, i, element);
      }
      i++;
    }
    const start = ++i;
    for (let n = 0; n < length; n++) {
      if (i >= text.length) return fail("TRUNCATED", "text ended inside a value", i, element);
      const unit = text.charCodeAt(i);
      i += unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length ? 2 : 1;
    }
    if (i > text.length) i = text.length;
    elements.push(text.slice(start, i));
    if (i >= text.length) return fail("TRUNCATED", "text ended after a value", i, element);
    const terminator = text.charCodeAt(i);
    if (terminator === 0x2c) {
      if (elements.length >= resolved.maxElements) {
        fail("TOO_MANY_ELEMENTS", `more than ${resolved.maxElements} elements`, i, element + 1);
      }
      i++;
      continue;
    }
    if (terminator !== 0x3b) fail("INVALID_TERMINATOR", 'expected "," or ";"', i, element);
    i++;
    break;
  }
  if (i !== text.length) fail("TRAILING_DATA", 'text continues after ";"', i, elements.length);
  const [opcode = "", ...args] = elements;
  return { opcode, args };
}

/** UTF-8 byte length of a string without lone surrogates. */
export function utf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
