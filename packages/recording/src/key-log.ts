import { InstructionDecoder } from "@guacstream/codec";
import { type KeyName, KNOWN_KEYS } from "./_key-names.ts";

/** guaclog tracks at most this many modifier keys (`GUACLOG_MAX_KEYS`). */
const MAX_TRACKED_KEYS = 256;
/** What C's printf writes for a null string, which guaclog prints for a shortcut's key. */
const PRINTF_NULL = "(null)";
const TEXT_ENCODER = new TextEncoder();

/** A key as guaclog sees it: its name and what it types, as bytes (guaclog writes bytes). */
interface KeyDef {
  readonly keysym: number;
  readonly name: Uint8Array;
  readonly value: Uint8Array | undefined;
  readonly modifier: boolean;
}

interface TrackedKey {
  def: KeyDef;
  pressed: boolean;
}

/**
 * The key log guacd's `guaclog` writes for a recording's `key` instructions, built event by
 * event: printable keys as the text they type, other keys as `<Name>`, and a key pressed while
 * Ctrl, Alt, Meta, Super or Hyper is tracked as `<Ctrl+Alt…value>` (guaclog puts no `+` before
 * the key, and prints a key that types nothing there as `(null)`, as C's printf does). Output is
 * bytes, as guaclog's: a keysym for a lone surrogate gives its 3-byte form, not valid UTF-8.
 *
 * @example Ctrl+C, then text with Return
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyLog } from "@guacstream/recording";
 *
 * const log = new KeyLog();
 * for (const [keysym, pressed] of [[0xffe3, true], [0x63, true], [0x63, false], [0xffe3, false],
 *   [0x6c, true], [0x73, true], [0xff0d, true]] as const) log.key(keysym, pressed);
 * assert.equal(log.text(), "<Ctrlc>ls\n");
 * ```
 */
export class KeyLog {
  #tracked: TrackedKey[] = [];
  #chunks: Uint8Array[] = [];
  #length = 0;

  /** Applies one `key` event (the keysym and pressed as guaclog reads them: C `atoi`). */
  key(keysym: number, pressed: boolean): void {
    const def = keyDefOf(keysym);
    if (def.modifier) {
      if (this.#track(def, pressed)) this.#trim();
      return;
    }
    if (!pressed) return;
    if (this.#tracked.some((k) => k.def.value === undefined)) {
      this.#write(LT);
      this.#tracked.forEach((k, i) => {
        if (i > 0) this.#write(PLUS);
        this.#write(k.def.name);
      });
      this.#write(def.value ?? NULL_BYTES);
      this.#write(GT);
    } else if (def.value !== undefined) {
      this.#write(def.value);
    } else {
      this.#write(LT);
      this.#write(def.name);
      this.#write(GT);
    }
  }

  /** The log so far, as guaclog writes it to `<recording>.txt`. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    this.#chunks = [out];
    return out;
  }

  /** The log so far as text (bytes that are no UTF-8 become U+FFFD). */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }

  /** Updates or adds a tracked modifier; `false` when guaclog's table is full (it keeps as is). */
  #track(def: KeyDef, pressed: boolean): boolean {
    const known = this.#tracked.find((k) => k.def.keysym === def.keysym);
    if (known !== undefined) {
      known.def = def;
      known.pressed = pressed;
      return true;
    }
    if (this.#tracked.length === MAX_TRACKED_KEYS) return false;
    this.#tracked.push({ def, pressed });
    return true;
  }

  /** Drops released keys after the last pressed one (guaclog keeps released keys before it). */
  #trim(): void {
    let end = this.#tracked.length;
    while (end > 0 && !this.#tracked[end - 1]!.pressed) end--;
    this.#tracked.length = end;
  }

  #write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }
}

const LT = TEXT_ENCODER.encode("<");
const GT = TEXT_ENCODER.encode(">");
const PLUS = TEXT_ENCODER.encode("+");
const NULL_BYTES = TEXT_ENCODER.encode(PRINTF_NULL);
const KNOWN_DEFS = new Map<number, KeyDef>(
  [...KNOWN_KEYS].map(([keysym, k]) => [keysym, fromName(keysym, k)]),
);

function fromName(keysym: number, key: KeyName): KeyDef {
  return {
    keysym,
    name: TEXT_ENCODER.encode(key.name),
    value: key.value === undefined ? undefined : TEXT_ENCODER.encode(key.value),
    modifier: key.modifier,
  };
}

/** guaclog's definition of a keysym: a known key, a Unicode character, or `0x<HEX>`. */
function keyDefOf(keysym: number): KeyDef {
  const known = KNOWN_DEFS.get(keysym);
  if (known !== undefined) return known;
  // Latin-1 keysyms are their code point; Unicode keysyms (0x0100xxxx) only within 16 bits.
  if (keysym >= 0 && (keysym <= 0xff || (keysym | 0xffff) === 0x0100ffff)) {
    const bytes = utf8Of(keysym & 0xffff);
    return { keysym, name: bytes, value: bytes, modifier: false };
  }
  const name = TEXT_ENCODER.encode(`0x${(keysym >>> 0).toString(16).toUpperCase()}`);
  return { keysym, name, value: undefined, modifier: false };
}

/**
 * A 16-bit code point as guaclog encodes it: UTF-8's bit layout for any value, surrogates
 * included, and a NUL ending the C string there (so code point 0 prints nothing).
 */
function utf8Of(codePoint: number): Uint8Array {
  if (codePoint === 0) return new Uint8Array(0);
  if (codePoint <= 0x7f) return Uint8Array.of(codePoint);
  if (codePoint <= 0x7ff) return Uint8Array.of(0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f));
  return Uint8Array.of(
    0xe0 | (codePoint >> 12),
    0x80 | ((codePoint >> 6) & 0x3f),
    0x80 | (codePoint & 0x3f),
  );
}

/**
 * C's `atoi` as glibc runs it (guaclog parses `key` arguments with it): leading white space, a
 * sign, digits up to the first other character; a value past a 64-bit `long` saturates, and the
 * result is that long's low 32 bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { atoi } from "@guacstream/recording";
 * assert.equal(atoi(" 65307x"), 65307);
 * assert.equal(atoi("abc"), 0);
 * assert.equal(atoi("4294967297"), 1);
 * ```
 */
export function atoi(text: string): number {
  const match = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(text)!;
  const digits = match[2] ?? "";
  if (digits === "") return 0;
  let value = BigInt(digits);
  if (match[1] === "-") value = -value;
  const LONG_MAX = (1n << 63n) - 1n;
  const LONG_MIN = -(1n << 63n);
  if (value > LONG_MAX) value = LONG_MAX;
  if (value < LONG_MIN) value = LONG_MIN;
  return Number(BigInt.asIntN(32, value));
}

/**
 * A `key` instruction of a recording, as guaclog reads it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyLogOf, type RecordedKeyEvent } from "@guacstream/recording";
 *
 * const { keys } = await keyLogOf(new TextEncoder().encode("3.key,5.65307,1.1,4.1234;"));
 * const escape: RecordedKeyEvent = { keysym: 65307, pressed: true, timestamp: 1234 };
 * assert.deepEqual(keys, [escape]);
 * ```
 */
export interface RecordedKeyEvent {
  /** The keysym (C `atoi` of the first argument). */
  readonly keysym: number;
  /** Whether pressed (the second argument's `atoi` is not 0). */
  readonly pressed: boolean;
  /** guacd's timestamp (ms), the third argument, if the instruction has one. */
  readonly timestamp: number | undefined;
}

/**
 * What {@link keyLogOf} read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyLogOf, type KeyLogResult } from "@guacstream/recording";
 *
 * const result: KeyLogResult = await keyLogOf(new TextEncoder().encode("3.key,5.65293,1.1;"));
 * assert.equal(result.text, "\n"); // Return types a newline
 * assert.equal(result.error, undefined);
 * ```
 */
export interface KeyLogResult {
  /** The key log, byte for byte what guaclog writes to `<recording>.txt`. */
  readonly bytes: Uint8Array;
  /** The same as text. */
  readonly text: string;
  /** The `key` events read, in order. */
  readonly keys: readonly RecordedKeyEvent[];
  /**
   * Why reading stopped early (a malformed recording): guaclog then also stops there, keeping
   * what it wrote. `undefined` when the whole recording was read.
   */
  readonly error: Error | undefined;
}

/**
 * Reads a `.guac` recording (guacd's `recording-path` file, or a broker's) and gives its key
 * log as guaclog writes it, and its key events. Takes the bytes, a stream or an async iterable
 * of chunks, so a large recording is never held whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyLogOf } from "@guacstream/recording";
 *
 * const recording = new TextEncoder().encode(
 *   "4.sync,3.100;3.key,3.104,1.1,3.101;3.key,3.104,1.0,3.102;3.key,3.105,1.1,3.103;",
 * );
 * const result = await keyLogOf(recording);
 * assert.equal(result.text, "hi");
 * assert.equal(result.keys.length, 3);
 * ```
 */
export async function keyLogOf(
  recording: Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<KeyLogResult> {
  const log = new KeyLog();
  const keys: RecordedKeyEvent[] = [];
  const decoder = new InstructionDecoder((instruction) => {
    if (instruction.opcode !== "key" || instruction.args.length < 2) return;
    const [keysym = "", pressed = "", timestamp] = instruction.args;
    const event: RecordedKeyEvent = {
      keysym: atoi(keysym),
      pressed: atoi(pressed) !== 0,
      timestamp: timestamp === undefined ? undefined : Number(timestamp),
    };
    keys.push(event);
    log.key(event.keysym, event.pressed);
  });
  let error: Error | undefined;
  try {
    if (recording instanceof Uint8Array) decoder.push(recording);
    else for await (const chunk of recording as AsyncIterable<Uint8Array>) decoder.push(chunk);
    decoder.finish();
  } catch (caught) {
    error = caught instanceof Error ? caught : new Error(String(caught));
  }
  const bytes = log.bytes();
  return { bytes, text: new TextDecoder().decode(bytes), keys, error };
}
