/** Reading an element's length digits. */
export const IN_LENGTH = 0;
/** Skipping an element's characters. */
export const IN_VALUE = 1;
/** At the byte after a value: `,` or `;`. */
export const AT_TERMINATOR = 2;

/**
 * Where the scanner is inside the instruction it is reading, in the buffer being scanned:
 * state that survives from one buffer to the next. A plain object of numbers, so that the hot
 * loops read one shape.
 */
export class ScanCursor {
  /** Where the instruction starts. */
  instStart = 0;
  /** The next byte to scan. */
  pos = 0;
  /** `IN_LENGTH`, `IN_VALUE` or `AT_TERMINATOR`. */
  state: number = IN_LENGTH;
  /** The element length read so far. */
  length = 0;
  /** Its digits so far. */
  digits = 0;
  /** Characters of the value still to skip. */
  charsLeft = 0;
  /** Where the value's first byte is. */
  valueStart = 0;
  /** Elements of the instruction before the current one. */
  elements = 0;
  /** Stream offset just after the last instruction completed. */
  instructionEnd: number;

  constructor(startOffset: number) {
    this.instructionEnd = startOffset;
  }

  /** The instruction ended at `next`; the next one starts there. */
  completed(next: number, streamOffset: number): void {
    this.instructionEnd = streamOffset + next;
    this.instStart = next;
    this.elements = 0;
    this.length = 0;
    this.digits = 0;
  }

  /** Positions become relative to the instruction's start, which moved to index 0. */
  rebase(start: number): void {
    this.pos -= start;
    this.valueStart -= start;
    this.instStart = 0;
  }
}
