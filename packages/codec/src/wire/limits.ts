/**
 * The bounds a Guacamole parser enforces on one instruction. The defaults are guacd's own (libguac's
 * parser), so a decoder using them accepts exactly what guacd can send, and an encoder using them
 * refuses what guacd would drop the connection for.
 *
 * @example Raise the element limit for a peer that is not guacd
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LIMITS, resolveLimits } from "@guacstream/codec";
 *
 * const limits = resolveLimits({ maxElementLength: 65536 });
 * assert.equal(limits.maxElementLength, 65536);
 * assert.equal(limits.maxElements, DEFAULT_LIMITS.maxElements);
 * ```
 */
export interface GuacamoleLimits {
  /**
   * Most characters (as guacd counts them) in one element.
   * @default {8192}
   */
  readonly maxElementLength: number;
  /**
   * Most elements (the opcode included) in one instruction.
   * @default {128}
   */
  readonly maxElements: number;
  /**
   * Most decimal digits in one element's length prefix.
   * @default {5}
   */
  readonly maxLengthDigits: number;
  /**
   * Most bytes in one instruction, from the first length digit to the `;`.
   * @default {32768}
   */
  readonly maxInstructionBytes: number;
}

/** Limits objects already checked and complete: passing one again costs a lookup, not a check. */
const RESOLVED = new WeakSet<object>();

/**
 * guacd's own limits: 8192 characters per element, 128 elements, 5 length digits, 32 KiB per
 * instruction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LIMITS } from "@guacstream/codec";
 *
 * assert.equal(DEFAULT_LIMITS.maxInstructionBytes, 32768);
 * ```
 */
export const DEFAULT_LIMITS: GuacamoleLimits = Object.freeze({
  maxElementLength: 8192,
  maxElements: 128,
  maxLengthDigits: 5,
  maxInstructionBytes: 32768,
});
RESOLVED.add(DEFAULT_LIMITS);

/**
 * Fills unset fields from {@link DEFAULT_LIMITS} and checks that every limit is a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveLimits } from "@guacstream/codec";
 *
 * assert.equal(resolveLimits().maxLengthDigits, 5);
 * assert.throws(() => resolveLimits({ maxElements: 0 }), RangeError);
 * ```
 */
export function resolveLimits(limits: Partial<GuacamoleLimits> = {}): GuacamoleLimits {
  if (RESOLVED.has(limits)) return limits as GuacamoleLimits;
  const resolved: GuacamoleLimits = { ...DEFAULT_LIMITS, ...stripUndefined(limits) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`Cannot use limit ${name}: ${String(value)} is not a positive integer`);
    }
  }
  if (resolved.maxLengthDigits > 9) {
    // Beyond 9 digits a length does not fit the parser's 32-bit arithmetic.
    throw new RangeError(`Cannot use limit maxLengthDigits: ${resolved.maxLengthDigits} exceeds 9`);
  }
  Object.freeze(resolved);
  RESOLVED.add(resolved);
  return resolved;
}

function stripUndefined(limits: Partial<GuacamoleLimits>): Partial<GuacamoleLimits> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(limits)) if (value !== undefined) out[name] = value;
  return out;
}
