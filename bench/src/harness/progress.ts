/**
 * Progress while the bench runs. On a TTY: one live line (phase, sessions open, MB received,
 * elapsed / remaining), redrawn a few times a second. Otherwise (CI, a pipe): a plain line every
 * `intervalMs` (5 s by default, `BENCH_PROGRESS_MS` overrides), so a log never goes quiet for long.
 * Report lines go through `log()`, which clears the live line first.
 */

export interface ProgressOptions {
  /** Whether to draw a live line (stdout is a terminal). */
  readonly tty: boolean;
  /** Plain progress line period when not a TTY. @default 5000 */
  readonly intervalMs?: number;
  /** When the run must end (ms, `performance.now()` clock); Infinity: no budget. */
  readonly deadline: number;
  /** Sessions open now. */
  readonly sessions: () => number;
  readonly write?: (text: string) => void;
}

export class Progress {
  readonly #o: ProgressOptions;
  readonly #write: (text: string) => void;
  readonly #started = performance.now();
  readonly #timer: ReturnType<typeof setInterval>;
  #phase = "starting";
  #bytes = 0;
  #drawn = false;
  #lastPlain = performance.now();

  constructor(options: ProgressOptions) {
    this.#o = options;
    this.#write = options.write ?? ((text) => process.stdout.write(text));
    const every = options.tty ? 250 : Math.min(options.intervalMs ?? 5000, 1000);
    this.#timer = setInterval(() => this.#tick(), every);
    this.#timer.unref();
  }

  /** Names what runs now (shown in the live line and the plain lines). */
  phase(name: string): void {
    this.#phase = name;
    this.#tick();
  }

  /** Counts bytes received by sessions, for the MB figure. */
  addBytes(bytes: number): void {
    this.#bytes += bytes;
  }

  /** Prints a report line (above the live line on a TTY). */
  log(line = ""): void {
    this.#clear();
    this.#write(`${line}\n`);
    this.#lastPlain = performance.now();
    this.#tick();
  }

  /** The progress text: phase, sessions, MB, elapsed / remaining. */
  status(): string {
    const now = performance.now();
    const elapsed = (now - this.#started) / 1000;
    const left = Number.isFinite(this.#o.deadline)
      ? `, ${Math.max(0, (this.#o.deadline - now) / 1000).toFixed(0)} s left`
      : "";
    return (
      `[${this.#phase}] ${this.#o.sessions()} session(s) open, ` +
      `${(this.#bytes / 1e6).toFixed(1)} MB received, ${elapsed.toFixed(0)} s elapsed${left}`
    );
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#clear();
  }

  #tick(): void {
    if (this.#o.tty) {
      this.#write(`\r\x1b[K${this.status()}`);
      this.#drawn = true;
      return;
    }
    const now = performance.now();
    if (now - this.#lastPlain >= (this.#o.intervalMs ?? 5000)) {
      this.#lastPlain = now;
      this.#write(`progress: ${this.status()}\n`);
    }
  }

  #clear(): void {
    if (this.#o.tty && this.#drawn) this.#write("\r\x1b[K");
    this.#drawn = false;
  }
}
