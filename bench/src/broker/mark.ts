/**
 * The latency probe of the broker section. The simulator appends a `bench-mark` instruction
 * carrying its wall clock (integer microseconds) after every write it makes once a session is
 * ready; the WebSocket client subtracts that from its own clock when the mark arrives. Every relay
 * forwards it like any instruction guacd sends (none of them filters unknown opcodes), so the
 * difference is the time from guacd's write to the client's message, through the relay.
 * Both processes read the same system clock (`performance.timeOrigin + performance.now()`).
 */

export const MARK_OPCODE = "bench-mark";

/** The `hostname` that asks the simulator for a replay at the recording's own pace. */
export const PACED_HOSTNAME = "paced";

/** The wall clock in integer microseconds, comparable across processes on one machine. */
export function wallMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

const encoder = new TextEncoder();

/** `10.bench-mark,16.<µs>;` as bytes. */
export function markBytes(micros: number = wallMicros()): Uint8Array {
  const value = String(micros);
  return encoder.encode(`${MARK_OPCODE.length}.${MARK_OPCODE},${value.length}.${value};`);
}

/** The bytes every instruction with this opcode starts with (`4.sync,`). */
export function opcodePrefix(opcode: string): Uint8Array {
  return encoder.encode(`${opcode.length}.${opcode},`);
}

/** Whether the instruction at `start` starts with `prefix` (its opcode and the first comma). */
export function startsWith(
  bytes: Uint8Array,
  start: number,
  end: number,
  prefix: Uint8Array,
): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return false;
  return true;
}

/**
 * The first argument of an instruction, read as a number of ASCII digits (`sync`'s timestamp, a
 * mark's microseconds): `at` is where its `LENGTH.` begins. NaN if it is not `N.digits`.
 */
export function firstNumber(bytes: Uint8Array, at: number, end: number): number {
  let length = 0;
  let i = at;
  for (; i < end && bytes[i] !== 0x2e; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    length = length * 10 + d;
  }
  let value = 0;
  const stop = i + 1 + length;
  if (stop > end) return Number.NaN;
  for (i++; i < stop; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}
