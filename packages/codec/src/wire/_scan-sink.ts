/** A decoding scanner's sink: it gets each instruction's elements as strings. */
export interface DecodeSink {
  readonly kind: "decode";
  /**
   * Reject malformed UTF-8 (`MALFORMED_UTF8`) instead of reading it as U+FFFD.
   * @default {false}
   */
  readonly strictUtf8?: boolean;
  instruction(opcode: string, args: string[]): void;
}

/**
 * A framing scanner's sink: it gets the exact bytes of each instruction as `bytes[start..end)`.
 * `copied` is false when `bytes` is the caller's own chunk and true when it is the scanner's
 * internal buffer, which is reused: copy it before keeping it.
 */
export interface FrameSink {
  readonly kind: "frame";
  frame(bytes: Uint8Array, start: number, end: number, copied: boolean, ascii: boolean): void;
}

/** What a scanner reports to: decoded instructions, or raw frames. */
export type ScanSink = DecodeSink | FrameSink;
