/**
 * How a tunnel ended: what {@link bridgeTunnel} resolves with.
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
 */
export interface TunnelTraffic {
  /** Bytes of guacd output sent to the browser so far. */
  readonly bytesToBrowser: number;
  /** Bytes of browser input written to guacd so far. */
  readonly bytesToGuacd: number;
}
