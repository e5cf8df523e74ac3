import type { Instruction } from "../wire/instruction.ts";

/** Queues instructions on the session's connection; resolves when the connection has taken them. */
export type SendInstructions = (...instructions: Instruction[]) => Promise<void>;

/** Waits `ms` milliseconds, or rejects when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Throws a `RangeError` unless `value` is an integer within [min, max]. */
export function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot send ${what} ${value}: it must be an integer from ${min} to ${max}`,
    );
  }
}
