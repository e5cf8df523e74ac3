import { DisplayError } from "./display-error.ts";

/**
 * Reads an instruction's arguments as guacamole-common-js does (`parseInt` / `parseFloat`), but
 * refuses what is not a number instead of drawing with `NaN`.
 */
export class InstructionArgs {
  readonly #opcode: string;
  readonly #args: readonly string[];

  constructor(opcode: string, args: readonly string[]) {
    this.#opcode = opcode;
    this.#args = args;
  }

  /** Argument `index` as an integer; throws `BAD_ARGUMENT` if it is not one. */
  int(index: number): number {
    const value = Number.parseInt(this.#args[index] ?? "", 10);
    if (!Number.isSafeInteger(value)) throw this.#bad(index);
    return value;
  }

  /** Argument `index` as a non-negative integer. */
  size(index: number): number {
    const value = this.int(index);
    if (value < 0) throw this.#bad(index);
    return value;
  }

  /** Argument `index` as a finite number. */
  float(index: number): number {
    const value = Number.parseFloat(this.#args[index] ?? "");
    if (!Number.isFinite(value)) throw this.#bad(index);
    return value;
  }

  /** Argument `index` as text. */
  text(index: number): string {
    return this.#args[index] ?? "";
  }

  #bad(index: number): DisplayError {
    const shown = (this.#args[index] ?? "(missing)").slice(0, 32);
    return new DisplayError(
      "BAD_ARGUMENT",
      `Cannot apply ${this.#opcode}: argument ${index + 1} is not a valid number (${shown})`,
      { opcode: this.#opcode },
    );
  }
}
