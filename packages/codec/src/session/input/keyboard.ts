import { instruction } from "../../wire/instruction.ts";
import { checkInteger, pause, type SendInstructions } from "../_send.ts";
import { textToKeysyms } from "./text-keysyms.ts";

/** Options of {@link GuacamoleKeyboard.type}. */
export interface TypeOptions {
  /**
   * Milliseconds between one key and the next (a human types ~100 ms apart); 0 sends the whole
   * text back to back.
   * @default {0}
   */
  delay?: number;
  /** Stops typing; keys already sent stay sent, and no key is left held down. */
  signal?: AbortSignal;
}

/** X11 keysyms are 29-bit values. */
const MAX_KEYSYM = 0x1fffffff;

/**
 * The protocols guacd serves through its own terminal emulator, which takes a Unicode keysym
 * only when it is `0x01000000 | code point` with the code point within 16 bits (src/terminal/
 * terminal.c masks with 0xFFFF0000): a character beyond the Basic Multilingual Plane, such as an
 * emoji, is dropped there without a word.
 */
export const TERMINAL_PROTOCOLS: readonly string[] = ["ssh", "telnet", "kubernetes"];

/** A character of typed text that guacd is known to drop. */
export interface DroppedCharacter {
  /** Its position in the text, counted in code points. */
  readonly index: number;
  /** The character itself. */
  readonly character: string;
  /** The keysym sent for it. */
  readonly keysym: number;
}

/** What {@link GuacamoleKeyboard.type} sent, and what guacd is known to drop of it. */
export interface TypeResult {
  /** Characters sent as key presses (one per code point). */
  readonly typed: number;
  /**
   * Characters sent that guacd's terminal drops (those beyond the Basic Multilingual Plane, on
   * ssh, telnet and kubernetes). Empty where it cannot be known: a graphical protocol passes
   * the keysym on, and a joined session's protocol is not told.
   */
  readonly dropped: readonly DroppedCharacter[];
}

/**
 * The session's keyboard: `key` instructions by X11 keysym, with the keys held down tracked so
 * none is left pressed. Get it from `GuacamoleClient.keyboard`.
 *
 * @example Type a command and press Enter
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Instruction } from "@guacstream/codec";
 * import { GuacamoleKeyboard, KEYSYMS } from "@guacstream/codec/client";
 *
 * const sent: Instruction[] = [];
 * const keyboard = new GuacamoleKeyboard(async (...items) => void sent.push(...items));
 * await keyboard.type("ls");
 * await keyboard.press(KEYSYMS.Enter);
 * assert.deepEqual(sent.map((i) => i.args.join(",")), [
 *   "108,1", "108,0", "115,1", "115,0", "65293,1", "65293,0",
 * ]);
 * ```
 */
export class GuacamoleKeyboard {
  readonly #send: SendInstructions;
  readonly #down = new Set<number>();
  #protocol: string | undefined;

  /** Sends `key` instructions through `send`. */
  constructor(send: SendInstructions) {
    this.#send = send;
  }

  /**
   * The protocol guacd runs the session with, if known (the client sets it after a handshake
   * that selected one): with a terminal protocol, {@link type} reports what guacd drops.
   */
  get protocol(): string | undefined {
    return this.#protocol;
  }

  set protocol(protocol: string | undefined) {
    this.#protocol = protocol;
  }

  /** The keysyms held down now, in the order they were pressed. */
  get pressed(): readonly number[] {
    return [...this.#down];
  }

  /** Sends one key event: `pressed` true for down, false for up. */
  async key(keysym: number, pressed: boolean): Promise<void> {
    checkInteger("keysym", keysym, 0, MAX_KEYSYM);
    if (pressed) this.#down.add(keysym);
    else this.#down.delete(keysym);
    await this.#send(instruction("key", keysym, pressed ? 1 : 0));
  }

  /** Presses and releases a key. */
  async press(keysym: number): Promise<void> {
    await Promise.all([this.key(keysym, true), this.key(keysym, false)]);
  }

  /**
   * Presses keys in order and releases them in reverse: a shortcut such as Ctrl+Alt+Delete
   * (`chord(KEYSYMS.Control, KEYSYMS.Alt, KEYSYMS.Delete)`).
   */
  async chord(...keysyms: number[]): Promise<void> {
    for (const keysym of keysyms) checkInteger("keysym", keysym, 0, MAX_KEYSYM);
    const sends = keysyms.map((keysym) => this.key(keysym, true));
    for (const keysym of [...keysyms].reverse()) sends.push(this.key(keysym, false));
    await Promise.all(sends);
  }

  /**
   * Types text as key presses, one per code point, mapped as guacamole-common-js maps it
   * ({@link textToKeysyms}): `"\r"` is Return, `"\n"` is Linefeed. The whole text is checked
   * before the first key is sent (a lone surrogate is a `RangeError`). Resolves with what was
   * typed and, on a terminal protocol (ssh, telnet, kubernetes), the characters guacd's terminal
   * drops: those beyond the Basic Multilingual Plane. They are sent all the same, as
   * guacamole-common-js sends them.
   *
   * @example Know that an emoji never reaches an SSH shell
   * ```ts
   * import assert from "node:assert/strict";
   * import { GuacamoleKeyboard } from "@guacstream/codec/client";
   *
   * const keyboard = new GuacamoleKeyboard(async () => {});
   * keyboard.protocol = "ssh"; // GuacamoleClient sets it after its handshake
   * const result = await keyboard.type("hi 🌍!");
   * assert.equal(result.typed, 5);
   * assert.deepEqual(result.dropped, [{ index: 3, character: "🌍", keysym: 0x0101f30d }]);
   * ```
   */
  async type(text: string, options: TypeOptions = {}): Promise<TypeResult> {
    const keysyms = textToKeysyms(text);
    const delay = options.delay ?? 0;
    checkInteger("typing delay", delay, 0, 3_600_000);
    options.signal?.throwIfAborted();
    const result = { typed: keysyms.length, dropped: this.#droppedOf(text) };
    if (delay === 0) {
      await Promise.all(keysyms.flatMap((k) => [this.key(k, true), this.key(k, false)]));
      return result;
    }
    for (let i = 0; i < keysyms.length; i++) {
      if (i > 0) await pause(delay, options.signal);
      await this.press(keysyms[i]!);
    }
    return result;
  }

  #droppedOf(text: string): DroppedCharacter[] {
    const dropped: DroppedCharacter[] = [];
    if (this.#protocol === undefined || !TERMINAL_PROTOCOLS.includes(this.#protocol)) {
      return dropped;
    }
    let index = 0;
    for (const character of text) {
      const codePoint = character.codePointAt(0)!;
      if (codePoint > 0xffff) dropped.push({ index, character, keysym: 0x01000000 | codePoint });
      index++;
    }
    return dropped;
  }

  /** Releases every key this keyboard holds down. */
  async releaseAll(): Promise<void> {
    await Promise.all(this.pressed.map((keysym) => this.key(keysym, false)));
  }
}
