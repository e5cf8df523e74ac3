import type { ElementText } from "./_element-text.ts";
import type { ScanCursor } from "./_scan-cursor.ts";
import type { DecodeSink } from "./_scan-sink.ts";
import type { GuacamoleLimits } from "./limits.ts";

const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const PERIOD = 0x2e;
const DIGIT_0 = 0x30;

/**
 * Decodes the whole instructions of an all-ASCII buffer from `start` (an instruction's start)
 * in one tight loop of locals: a value is exactly its length in bytes and a substring of the
 * buffer's text (`text.chunkText`). Returns the start of the first instruction it could not finish; it
 * stops there, without reporting, at the end of the bytes and at anything unusual (a limit
 * reached, a malformed length or terminator), and the scanner's state machine reads that
 * instruction again from its start and reports the fault at its byte.
 *
 * `cursor.instructionEnd` is set before each instruction is reported.
 */
export function decodeAsciiRun(
  text: ElementText,
  bytes: Uint8Array,
  start: number,
  end: number,
  streamOffset: number,
  limits: GuacamoleLimits,
  sink: DecodeSink,
  cursor: ScanCursor,
): number {
  const chunkText = text.chunkText;
  const values = text.values;
  const maxDigits = limits.maxLengthDigits;
  const maxElementLength = limits.maxElementLength;
  const maxElements = limits.maxElements;
  const maxInstructionBytes = limits.maxInstructionBytes;
  for (;;) {
    let pos = start;
    let elements = 0;
    let count = 0;
    for (;;) {
      let length = 0;
      let digits = 0;
      let byte = 0;
      while (pos < end) {
        byte = bytes[pos]!;
        const digit = byte - DIGIT_0;
        if (digit < 0 || digit > 9) break;
        length = length * 10 + digit;
        digits++;
        pos++;
      }
      if (byte !== PERIOD || pos >= end || digits === 0 || digits > maxDigits) return start;
      if (length > maxElementLength) return start;
      const valueStart = pos + 1;
      const valueEnd = valueStart + length;
      if (valueEnd >= end || valueEnd + 1 - start > maxInstructionBytes) return start;
      const terminator = bytes[valueEnd];
      values[count++] = chunkText.substring(valueStart, valueEnd);
      pos = valueEnd + 1;
      if (terminator === SEMICOLON) break;
      if (terminator !== COMMA || ++elements >= maxElements) return start;
    }
    cursor.instructionEnd = streamOffset + pos;
    sink.instruction(values[0]!, values.slice(1, count));
    start = pos;
  }
}
