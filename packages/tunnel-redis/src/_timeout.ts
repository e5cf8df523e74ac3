import { RedisStoreError } from "./errors.ts";

/** Runs `command` with a time limit, as {@link RedisStoreError} `TIMEOUT` past it. */
export async function withTimeout<T>(command: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(new RedisStoreError("TIMEOUT", `Cannot ${what}: Redis did not answer in ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([command, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
