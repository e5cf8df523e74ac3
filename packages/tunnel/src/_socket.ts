import type { WebSocketLike } from "./websocket.ts";

const CONNECTING = 0;
const OPEN = 1;

/** How a WebSocket closed, as its `close` event said. */
export interface SocketClose {
  readonly code: number;
  readonly reason: string;
}

/**
 * Listens to a WebSocket from the moment the broker accepts it, so nothing the browser sends while
 * the broker checks the token and handshakes with guacd is lost (held up to a bound).
 */
export class SocketAdapter {
  readonly ws: WebSocketLike;
  readonly opened: Promise<boolean>;
  readonly closed: Promise<SocketClose>;
  #onMessage: ((data: unknown) => void) | undefined;
  #early: unknown[] = [];
  #isClosed = false;

  constructor(ws: WebSocketLike) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (event) => {
        this.#isClosed = true;
        resolve({ code: event.code ?? 1005, reason: event.reason ?? "" });
      });
    });
    this.opened =
      ws.readyState === OPEN
        ? Promise.resolve(true)
        : ws.readyState !== CONNECTING
          ? Promise.resolve(false)
          : Promise.race([
              new Promise<boolean>((resolve) => ws.addEventListener("open", () => resolve(true))),
              this.closed.then(() => false),
            ]);
    ws.addEventListener("message", (event) => {
      if (this.#onMessage !== undefined) this.#onMessage(event.data);
      else if (this.#early.length < 64) this.#early.push(event.data);
    });
    // An `error` event is always followed by `close`; listening keeps runtimes from reporting it
    // as unhandled.
    ws.addEventListener("error", () => {});
  }

  get isOpen(): boolean {
    return !this.#isClosed && this.ws.readyState === OPEN;
  }

  /** Starts delivering messages (first those that arrived early). */
  listen(onMessage: (data: unknown) => void): void {
    this.#onMessage = onMessage;
    for (const data of this.#early.splice(0)) onMessage(data);
  }

  send(text: string): void {
    if (this.isOpen) this.ws.send(text);
  }

  close(code: number, reason: string): void {
    if (this.#isClosed || this.ws.readyState > OPEN) return;
    try {
      this.ws.close(code, reason);
    } catch {
      // Some runtimes refuse codes outside 1000/3000–4999 on the server side; fall back to 1000
      // rather than leave the socket open. The reason still carries the Guacamole status.
      this.ws.close(1000, reason);
    }
  }

  /**
   * Resolves once the socket's send buffer is at most `lowWater` bytes; `false` if it closed first.
   * Polled: `bufferedAmount` is the one back-pressure signal every WebSocket API shares.
   */
  async drained(lowWater: number): Promise<boolean> {
    let wait = 1;
    while (this.isOpen && this.ws.bufferedAmount > lowWater) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 25);
    }
    return this.isOpen;
  }
}
