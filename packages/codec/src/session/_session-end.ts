import type { GuacamoleCloseInfo } from "./client-options.ts";

/**
 * How a session ended, settled once: the first of `close()`, guacd's `disconnect` or a failure
 * decides it, and `closed` resolves with it. Never rejects.
 */
export class SessionEnd {
  /** Resolves with the first settled end. */
  readonly closed: Promise<GuacamoleCloseInfo>;
  #info: GuacamoleCloseInfo | undefined;
  #resolve!: (info: GuacamoleCloseInfo) => void;

  constructor() {
    this.closed = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** The end, once settled. */
  get info(): GuacamoleCloseInfo | undefined {
    return this.#info;
  }

  /** Settles the end; `false` when it was already settled (the first end stands). */
  settle(info: GuacamoleCloseInfo): boolean {
    if (this.#info !== undefined) return false;
    this.#info = info;
    this.#resolve(info);
    return true;
  }
}
