import { NATIVES } from "./_native.ts";
import type { DecodeSink } from "./_scan-sink.ts";

const REPLACEMENT_CHARACTER = "\uFFFD";
/** Elements up to this many bytes are looked up in the short-string cache. */
const SHORT_ELEMENT = 6;
const SHORT_CACHE_ENTRIES = 4096;

/**
 * Bytes to text for the decoder: each element decoded to a string once, by the cheapest way its
 * bytes allow, and gathered until its instruction completes. A whole ASCII chunk becomes one
 * string that values are sliced from; short ASCII elements come from a cache; the rest go through
 * `TextDecoder`.
 */
export class ElementText {
  /**
   * The instruction's elements so far (the opcode first), in a scratch array reused across
   * instructions; an instruction's `args` is an exact-size copy (a growing `[]` reserves 17
   * slots on its first push: most of an instruction's memory, and what a batch keeps alive
   * through a GC).
   */
  readonly values: string[] = [];
  #count = 0;
  readonly #decoder: TextDecoder;
  /** Decodes a whole chunk at once (never fatal: it only has to tell whether the chunk is ASCII). */
  readonly #chunkDecoder = new TextDecoder("utf-8");
  readonly #shortStrings = new Map<number, string>();
  /** The chunk as text when it is all ASCII, else "": text indexes are byte indexes then. */
  #chunkText = "";

  /** `strictUtf8` makes {@link decode} throw on malformed UTF-8 instead of yielding U+FFFD. */
  constructor(strictUtf8: boolean) {
    this.#decoder = new TextDecoder("utf-8", { fatal: strictUtf8 });
  }

  /** The last chunk given to {@link readChunk} as text, if it was all ASCII; else "". */
  get chunkText(): string {
    return this.#chunkText;
  }

  /**
   * Whether the whole chunk is ASCII, by one native decode of it (ASCII iff each byte became one
   * UTF-16 unit and none was malformed, U+FFFD); then keeps its text for values to be sliced from.
   */
  readChunk(chunk: Uint8Array): boolean {
    const { isAscii, latin1 } = NATIVES;
    if (isAscii !== undefined && latin1 !== undefined) {
      // Natively: check, then copy, without validating UTF-8 along the way.
      const ascii = isAscii(chunk);
      this.#chunkText = ascii ? latin1(chunk) : "";
      return ascii;
    }
    const text = this.#chunkDecoder.decode(chunk);
    // On a one-byte string V8 answers the indexOf without a scan.
    const ascii = text.length === chunk.length && text.indexOf(REPLACEMENT_CHARACTER) === -1;
    this.#chunkText = ascii ? text : "";
    return ascii;
  }

  /** Adds the next element of the instruction. */
  add(value: string): void {
    this.values[this.#count++] = value;
  }

  /** Reports the instruction gathered to `sink`, and starts the next. */
  complete(sink: DecodeSink): void {
    const values = this.values;
    const count = this.#count;
    this.#count = 0;
    sink.instruction(values[0]!, values.slice(1, count));
  }

  /** Lets the chunk's text go: an idle connection keeps none of its last read. */
  releaseChunk(): void {
    this.#chunkText = "";
  }

  /**
   * `bytes[start..end)`, `length` bytes assumed ASCII, as text; undefined if they were not (then
   * the caller counts them guacd's way).
   */
  decodeAscii(bytes: Uint8Array, start: number, end: number, length: number): string | undefined {
    if (length <= SHORT_ELEMENT) return this.#decodeShort(bytes, start, length);
    let text: string;
    try {
      text = this.#decoder.decode(bytes.subarray(start, end));
    } catch {
      return undefined; // strict mode and malformed: the caller reports it with its offset
    }
    // ASCII iff each byte became one UTF-16 unit and none was malformed (U+FFFD). On a one-byte
    // string V8 answers the indexOf without a scan.
    if (text.length === length && text.indexOf(REPLACEMENT_CHARACTER) === -1) return text;
    return undefined;
  }

  /** `bytes[start..end)` as UTF-8 text. Throws `TypeError` in strict mode on malformed UTF-8. */
  decode(bytes: Uint8Array, start: number, end: number): string {
    return this.#decoder.decode(bytes.subarray(start, end));
  }

  /**
   * Short ASCII elements (opcodes, layer and stream indexes, coordinates) recur constantly: their
   * bytes, packed with the length into one exact number, key a cache of the strings already made,
   * which saves a TextDecoder call per element.
   */
  #decodeShort(bytes: Uint8Array, start: number, length: number): string | undefined {
    // 3 bits of length, then 7 bits per ASCII byte: at most 45 bits, exact in a double.
    let key = length;
    let scale = 8;
    let high = 0;
    for (let i = start; i < start + length; i++) {
      const byte = bytes[i]!;
      high |= byte;
      key += byte * scale;
      scale *= 128;
    }
    if (high >= 0x80) return undefined;
    const cache = this.#shortStrings;
    let text = cache.get(key);
    if (text === undefined) {
      text =
        length === 0
          ? ""
          : String.fromCharCode.apply(
              null,
              bytes.subarray(start, start + length) as unknown as number[],
            );
      if (cache.size >= SHORT_CACHE_ENTRIES) cache.clear();
      cache.set(key, text);
    }
    return text;
  }
}
