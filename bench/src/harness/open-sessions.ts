/**
 * Every session the bench opens is registered here until it is closed, so that an error, a
 * timeout, the budget running out, Ctrl-C or SIGTERM can end all of them: `closeAll()` runs each
 * session's own close (which sends `disconnect` and closes the socket) and waits for it.
 */

/** The close of one open session; it must not reject. */
export type Closer = () => Promise<void> | void;

export class OpenSessions {
  readonly #open = new Set<Closer>();

  /** Registers an open session; call the returned function once it has closed by itself. */
  track(close: Closer): () => void {
    this.#open.add(close);
    return () => {
      this.#open.delete(close);
    };
  }

  /** How many sessions are open now. */
  get count(): number {
    return this.#open.size;
  }

  /**
   * Closes every open session and waits for them, at most `timeoutMs` (a close that hangs is
   * left behind: its socket is destroyed by its own close timeout or by process exit).
   */
  async closeAll(timeoutMs = 5000): Promise<void> {
    const closers = [...this.#open];
    this.#open.clear();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(closers.map(async (close) => close())),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}

/** The bench's one registry: sections and session helpers register here. */
export const openSessions: OpenSessions = new OpenSessions();
