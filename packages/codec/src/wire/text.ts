import { checkInstruction, elementLength, instructionTooLong } from "./_element.ts";
import { InstructionDecoder } from "./decoder.ts";
import { GuacamoleProtocolError } from "./errors.ts";
import type { Instruction } from "./instruction.ts";
import { type GuacamoleLimits, resolveLimits } from "./limits.ts";

const NON_ASCII = /[\u0080-\uFFFF]/;
const ENCODER = new TextEncoder();
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
 * Decodes exactly one instruction from text (a whole `…;`, nothing after it). A thin wrapper
 * over the byte path: the text is encoded to UTF-8 and read by {@link InstructionDecoder} with
 * the same limits, so text and bytes cannot disagree. Error offsets are byte offsets into the
 * text's UTF-8 form (for ASCII text, the same as string indexes); text that ends inside the
 * instruction fails `TRUNCATED` where it ends, and anything after the `;` fails `TRAILING_DATA`.
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
  const bytes = ENCODER.encode(text);
  let decoded: Instruction | undefined;
  let end = 0;
  const decoder = new InstructionDecoder(
    (instruction) => {
      decoded = instruction;
      end = decoder.instructionEnd;
      throw FIRST_INSTRUCTION; // stop at the first `;`: what follows is trailing data
    },
    { limits },
  );
  try {
    decoder.push(bytes);
    decoder.finish();
  } catch (error) {
    if (error instanceof GuacamoleProtocolError && error.code === "TRUNCATED") {
      // The byte path reports where the lost instruction began; for one text, where it ended.
      throw new GuacamoleProtocolError(
        "TRUNCATED",
        `Cannot decode instruction: the text ended inside it (element ${error.element}, byte offset ${bytes.length})`,
        bytes.length,
        error.element,
      );
    }
    if (error !== FIRST_INSTRUCTION) throw error;
  }
  if (decoded === undefined) {
    throw new GuacamoleProtocolError(
      "TRUNCATED",
      "Cannot decode instruction: the text is empty (element 0, byte offset 0)",
      0,
      0,
    );
  }
  if (end !== bytes.length) {
    throw new GuacamoleProtocolError(
      "TRAILING_DATA",
      `Cannot decode instruction: the text continues after ";" (byte offset ${end})`,
      end,
      decoded.args.length + 1,
    );
  }
  return decoded;
}

/** Thrown by the callback to stop decoding after the first instruction; never escapes. */
const FIRST_INSTRUCTION: unique symbol = Symbol("first instruction");

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
