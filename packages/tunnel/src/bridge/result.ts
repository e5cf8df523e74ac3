/**
 * How a tunnel ended: what {@link bridgeTunnel} resolves with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BridgeResult, closeCodeFor } from "@guacstream/tunnel";
 *
 * const result: BridgeResult = {
 *   initiator: "guacd", status: 0x0207, closeCode: closeCodeFor(0x0207),
 *   error: undefined, bytesToBrowser: 0, instructionsToGuacd: 0,
 * };
 * assert.equal(result.closeCode, 1011);
 * ```
 */
export interface BridgeResult {
  /** Who ended it: guacd (its socket ended), the browser (it closed), an error, or the signal. */
  readonly initiator: "guacd" | "browser" | "error" | "aborted";
  /** The Guacamole status the browser was told (0 for success; guacd's own `error` status). */
  readonly status: number;
  /** The WebSocket close code sent (or received, if the browser closed first). */
  readonly closeCode: number;
  /** What went wrong, if anything. */
  readonly error: Error | undefined;
  /** Bytes of guacd output sent to the browser. */
  readonly bytesToBrowser: number;
  /** Instructions from the browser forwarded to guacd (after filters). */
  readonly instructionsToGuacd: number;
}

/**
 * Byte counts of one open tunnel, read when metrics are scraped (the bridge only adds to them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TunnelTraffic } from "@guacstream/tunnel";
 *
 * const traffic: TunnelTraffic = { bytesToBrowser: 1024, bytesToGuacd: 16 };
 * assert.equal(traffic.bytesToGuacd, 16);
 * ```
 */
export interface TunnelTraffic {
  /** Bytes of guacd output sent to the browser so far. */
  readonly bytesToBrowser: number;
  /** Bytes of browser input written to guacd so far. */
  readonly bytesToGuacd: number;
}
