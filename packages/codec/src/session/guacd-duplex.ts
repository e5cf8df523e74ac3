/**
 * A byte connection to guacd, as the transports (or any in-memory pair of streams) provide: the
 * one duplex type every package uses.
 *
 * @example Any pair of byte streams fits, e.g. an in-memory loop in a test
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GuacdDuplex } from "@guacstream/codec/client";
 *
 * const loop = new TransformStream<Uint8Array, Uint8Array>();
 * const duplex: GuacdDuplex = { readable: loop.readable, writable: loop.writable };
 * void duplex.writable.getWriter().write(new TextEncoder().encode("3.nop;"));
 * const { value } = await duplex.readable.getReader().read();
 * assert.equal(new TextDecoder().decode(value), "3.nop;");
 * ```
 */
export interface GuacdDuplex {
  /** Bytes from guacd. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to guacd. */
  readonly writable: WritableStream<Uint8Array>;
}
