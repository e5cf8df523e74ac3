import { GuacamoleClientError } from "../wire/errors.ts";

/** The longest value guacd takes for an argument (`GUAC_ARGV_MAX_LENGTH`, with its terminator). */
const MAX_VALUE_BYTES = 16383;

/**
 * The connection parameters guacd lets change while connected. guacd offers each with an `argv`
 * stream carrying its current value (SSH and telnet: `color-scheme`, `font-name`, `font-size`;
 * others per protocol) and takes a new value as an `argv` stream back. Get it from
 * `GuacamoleClient.arguments`.
 *
 * @example Change the terminal's font size
 * ```ts
 * import assert from "node:assert/strict";
 * import { LiveArguments } from "@guacstream/codec/client";
 *
 * // In a session, `client.arguments` is one; here the values go to an array.
 * const sent: [string, string][] = [];
 * const live = new LiveArguments(async (name, value) => {
 *   sent.push([name, new TextDecoder().decode(value)]);
 * });
 * live.offer("font-size", "12"); // what guacd's argv streams do right after connecting
 * await live.set("font-size", "14");
 * assert.deepEqual(sent, [["font-size", "14"]]);
 * await assert.rejects(live.set("hostname", "elsewhere"), { code: "UNKNOWN_ARGUMENT" });
 * ```
 */
export class LiveArguments {
  readonly #sendValue: (name: string, value: Uint8Array) => Promise<void>;
  readonly #values = new Map<string, string | undefined>();
  readonly #textEncoder = new TextEncoder();
  #waiters: (() => void)[] = [];

  /**
   * `sendValue` sends a value as an `argv` stream and resolves once guacd has acked its opening
   * (rejecting with `GuacamoleClientError` `STREAM_FAILED` when guacd refuses the name).
   */
  constructor(sendValue: (name: string, value: Uint8Array) => Promise<void>) {
    this.#sendValue = sendValue;
  }

  /** The names guacd offered, in the order it offered them. */
  get names(): readonly string[] {
    return [...this.#values.keys()];
  }

  /** An argument's value as guacd last sent it (`undefined` if not read yet or not offered). */
  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  /** Resolves once guacd has offered at least one name. */
  offered(): Promise<readonly string[]> {
    if (this.#values.size > 0) return Promise.resolve(this.names);
    return new Promise((resolve) => this.#waiters.push(() => resolve(this.names)));
  }

  /** Takes note of an `argv` stream from guacd: `name` is offered, `value` once read. */
  offer(name: string, value?: string): void {
    if (value !== undefined || !this.#values.has(name)) this.#values.set(name, value);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Sends a new value. Refused with `GuacamoleClientError` before anything is sent when guacd
   * did not offer `name` (`UNKNOWN_ARGUMENT`), and after guacd's refusal (`STREAM_FAILED`, with
   * guacd's status as `cause`).
   */
  async set(name: string, value: string): Promise<void> {
    if (!this.#values.has(name)) {
      const offered = this.names.length === 0 ? "none" : this.names.join(", ");
      throw new GuacamoleClientError(
        "UNKNOWN_ARGUMENT",
        `Cannot set ${JSON.stringify(name)}: guacd offers only these for change: ${offered}`,
      );
    }
    const bytes = this.#textEncoder.encode(value);
    if (bytes.length > MAX_VALUE_BYTES) {
      throw new RangeError(
        `Cannot set ${JSON.stringify(name)}: its value is ${bytes.length} bytes, guacd takes at most ${MAX_VALUE_BYTES}`,
      );
    }
    await this.#sendValue(name, bytes);
  }
}
