import { type Instruction, instruction } from "../wire/instruction.ts";
import { checkInteger, type SendInstructions } from "./_send.ts";

/** A display size in pixels. */
export interface DisplaySize {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
}

/** The largest width or height guacd's protocols take (RDP tops out below it). */
const MAX_SIDE = 65535;

/**
 * The remote display's size: asks guacd to resize (`size`, applied by protocols that support it:
 * RDP with `resize-method`, SSH and telnet terminals, Kubernetes) and follows what guacd reports
 * (`size` of layer 0, the default layer). Get it from `GuacamoleClient.display`.
 *
 * @example Follow guacd's size
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Instruction } from "@guacstream/codec";
 * import { GuacamoleDisplay } from "@guacstream/codec/client";
 *
 * const sent: Instruction[] = [];
 * const seen: number[] = [];
 * const display = new GuacamoleDisplay(async (...items) => void sent.push(...items), (size) => seen.push(size.width));
 * await display.resize(1280, 720);
 * display.observe({ opcode: "size", args: ["0", "1280", "720"] }); // guacd's answer
 * display.observe({ opcode: "size", args: ["3", "10", "10"] }); // another layer: ignored
 * assert.deepEqual(sent[0], { opcode: "size", args: ["1280", "720"] });
 * assert.deepEqual(display.size, { width: 1280, height: 720 });
 * assert.deepEqual(seen, [1280]);
 * ```
 */
export class GuacamoleDisplay {
  readonly #send: SendInstructions;
  readonly #onSize: ((size: DisplaySize) => void) | undefined;
  #size: DisplaySize | undefined;
  #waiters: ((size: DisplaySize) => void)[] = [];

  /** Sends through `send`; calls `onSize` with each new size guacd reports. */
  constructor(send: SendInstructions, onSize?: (size: DisplaySize) => void) {
    this.#send = send;
    this.#onSize = onSize;
  }

  /** The default layer's size as guacd last reported it; `undefined` before its first `size`. */
  get size(): DisplaySize | undefined {
    return this.#size;
  }

  /**
   * Asks guacd for a new display size (`size,<width>,<height>`). guacd up to 1.6 reads width and
   * height only; `dpi` is sent as a third value for those that read it. The new size shows in
   * {@link size} once guacd reports it.
   */
  async resize(width: number, height: number, dpi?: number): Promise<void> {
    checkInteger("display width", width, 1, MAX_SIDE);
    checkInteger("display height", height, 1, MAX_SIDE);
    if (dpi === undefined) {
      await this.#send(instruction("size", width, height));
      return;
    }
    checkInteger("display dpi", dpi, 1, 10_000);
    await this.#send(instruction("size", width, height, dpi));
  }

  /** Resolves with the next size guacd reports for the default layer. */
  nextSize(): Promise<DisplaySize> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Takes note of an instruction from guacd; only `size` of layer 0 counts. */
  observe(item: Instruction): void {
    if (item.opcode !== "size" || item.args[0] !== "0") return;
    const width = Number.parseInt(item.args[1] ?? "", 10);
    const height = Number.parseInt(item.args[2] ?? "", 10);
    if (!Number.isInteger(width) || !Number.isInteger(height)) return;
    const size = { width, height };
    this.#size = size;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve(size);
    this.#onSize?.(size);
  }
}
