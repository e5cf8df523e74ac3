import type { Instruction } from "@guacstream/codec";

/**
 * What a filter function returns for one instruction: the instruction itself (observe), another
 * one (rewrite), several, or nothing (drop: `undefined`, `null` or `[]`).
 */
export type FilterResult = Instruction | readonly Instruction[] | null | undefined;

/**
 * An instruction filter: a `TransformStream<Instruction, Instruction>` around one function, to
 * observe, drop or rewrite the instructions passing between the browser and guacd. Filters
 * compose with `pipeThrough`, and the bridge takes a list of them for each direction. A function
 * that throws errors the stream, which ends the tunnel.
 *
 * @example Drop every key press, and count the rest
 * ```ts
 * import assert from "node:assert/strict";
 * import { instruction } from "@guacstream/codec";
 * import { InstructionFilterStream } from "@guacstream/tunnel";
 *
 * let seen = 0;
 * const filter = new InstructionFilterStream((ins) => {
 *   seen++;
 *   return ins.opcode === "key" ? undefined : ins;
 * });
 * const out = ReadableStream.from([instruction("key", 65, 1), instruction("sync", 7)]).pipeThrough(filter);
 * const kept: string[] = [];
 * for await (const ins of out) kept.push(ins.opcode);
 * assert.deepEqual(kept, ["sync"]);
 * assert.equal(seen, 2);
 * ```
 */
export class InstructionFilterStream extends TransformStream<Instruction, Instruction> {
  /** A filter stream around `filter`, called once per instruction, in order. */
  constructor(filter: (instruction: Instruction) => FilterResult | Promise<FilterResult>) {
    super({
      async transform(chunk, controller) {
        const result = await filter(chunk);
        if (result === undefined || result === null) return;
        if (isList(result)) for (const item of result) controller.enqueue(item);
        else controller.enqueue(result);
      },
    });
  }
}

function isList(result: Instruction | readonly Instruction[]): result is readonly Instruction[] {
  return Array.isArray(result);
}

/**
 * The opcodes a view-only user may send to guacd: keep-alive (`sync`, `nop`), leaving
 * (`disconnect`), and acknowledging the streams guacd sends (`ack`, e.g. audio). Everything else
 * (`mouse`, `key`, `touch`, `size`, `clipboard`, `file`, `pipe`, `argv`, `blob`, `end`, …) could
 * change the remote session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VIEWER_OPCODES } from "@guacstream/tunnel";
 *
 * assert.ok(VIEWER_OPCODES.includes("sync"));
 * assert.ok(!VIEWER_OPCODES.includes("key"));
 * ```
 */
export const VIEWER_OPCODES: readonly string[] = Object.freeze([
  "sync",
  "nop",
  "disconnect",
  "ack",
]);

/**
 * Options of {@link readOnlyFilter}.
 */
export interface ReadOnlyFilterOptions {
  /**
   * Called for each instruction dropped, e.g. to log an attempt to type into a view-only session.
   */
  onDrop?: (instruction: Instruction) => void;
}

/**
 * A filter for the browser → guacd direction that lets only {@link VIEWER_OPCODES} through: the
 * browser sees the session and stays connected, but cannot type, click, resize or paste into it.
 * This holds even against a modified page, since it runs in the broker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instruction } from "@guacstream/codec";
 * import { readOnlyFilter } from "@guacstream/tunnel";
 *
 * const sent = [instruction("mouse", 10, 10, 1), instruction("sync", 1234), instruction("clipboard", 0, "text/plain")];
 * const kept: string[] = [];
 * for await (const ins of ReadableStream.from(sent).pipeThrough(readOnlyFilter())) kept.push(ins.opcode);
 * assert.deepEqual(kept, ["sync"]);
 * ```
 */
export function readOnlyFilter(options: ReadOnlyFilterOptions = {}): InstructionFilterStream {
  const allowed = new Set(VIEWER_OPCODES);
  const onDrop = options.onDrop;
  return new InstructionFilterStream((instruction) => {
    if (allowed.has(instruction.opcode)) return instruction;
    onDrop?.(instruction);
    return undefined;
  });
}
