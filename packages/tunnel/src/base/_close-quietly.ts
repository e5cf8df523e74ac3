import type { GuacdDuplex } from "@guacstream/codec/client";

/** Closes both sides of a guacd connection being thrown away; their errors change nothing. */
export async function closeQuietly(duplex: GuacdDuplex): Promise<void> {
  await Promise.allSettled([duplex.readable.cancel(), duplex.writable.abort()]);
}
