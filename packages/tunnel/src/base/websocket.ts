/**
 * The WebSocket subprotocol guacamole-common-js's `Guacamole.WebSocketTunnel` asks for. A broker
 * must select it in the upgrade (Deno: `Deno.upgradeWebSocket(req, { protocol })`; `ws`:
 * `handleProtocols`), or the browser drops the connection.
 */
export const GUACAMOLE_SUBPROTOCOL = "guacamole";

/**
 * The part of a server-side WebSocket the tunnel uses: the WHATWG `WebSocket` (Deno, Bun,
 * browsers) and the `ws` package's `WebSocket` both fit as they are. `pause`/`resume` (the `ws`
 * package has them) let the tunnel stop reading the browser while guacd is slow; without them, a
 * browser that sends more than `maxInputBytes` ahead of guacd is disconnected instead.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes queued by `send` and not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Sends one text message. */
  send(data: string): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** `open`, `message` (`data`), `close` (`code`, `reason`) and `error` events. */
  addEventListener(
    type: "open" | "message" | "close" | "error",
    listener: (event: WebSocketEventLike) => void,
  ): void;
  /** Stops reading from the browser (optional). */
  readonly pause?: (() => void) | undefined;
  /** Resumes reading from the browser (optional). */
  readonly resume?: (() => void) | undefined;
  /**
   * Drops the connection at once, without waiting for the closing handshake (optional; the `ws`
   * package has it). A browser closed for flooding is paused after the close frame is sent and
   * terminated a moment later, so the rest of its flood is never read.
   */
  readonly terminate?: (() => void) | undefined;
}

/**
 * The fields of WebSocket events the tunnel reads.
 */
export interface WebSocketEventLike {
  /** The event's type (`"message"`, `"close"`, …). */
  readonly type: string;
  /** A `message` event's payload: a string for a text message. */
  readonly data?: unknown;
  /** A `close` event's code. */
  readonly code?: number;
  /** A `close` event's reason. */
  readonly reason?: string;
}
