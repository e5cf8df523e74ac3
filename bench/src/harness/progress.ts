/**
 * Progress while the bench runs, on stderr so stdout holds only the results. It says which
 * section and step run, how many steps are done and left, and an ETA for the whole run. On a
 * terminal: one line, redrawn a few times a second. Otherwise (CI, a pipe): a plain line when a
 * section starts and then every `intervalMs` at most, so a log neither floods nor goes quiet for
 * long. Sessions and MB appear only while sessions are open or bytes came in this section.
 */
import type { SectionProgress } from "./section.ts";

export interface ProgressOptions {
  /** Whether to redraw one line (stderr is a terminal). */
  readonly tty: boolean;
  /** Plain line period when not a terminal. @default 15000 */
  readonly intervalMs?: number;
  /** When the run must end (`performance.now()` ms); Infinity: no budget. */
  readonly deadline: number;
  /** Sessions open now. */
  readonly sessions: () => number;
  readonly write?: (text: string) => void;
  readonly now?: () => number;
}

interface SectionState {
  name: string;
  index: number;
  count: number;
  started: number;
  estimateMs: number;
  steps: number;
  done: number;
  label: string;
  endsBy: number;
  bytes: number;
}

const clock = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
};

export class Progress implements SectionProgress {
  readonly #tty: boolean;
  readonly #intervalMs: number;
  readonly #deadline: number;
  readonly #sessions: () => number;
  readonly #write: (text: string) => void;
  readonly #now: () => number;
  readonly #started: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #section: SectionState | undefined;
  /** Estimated ms of the sections after the current one. */
  #laterMs = 0;
  #drawn = false;
  #lastPlain = Number.NEGATIVE_INFINITY;

  constructor(options: ProgressOptions) {
    this.#tty = options.tty;
    this.#intervalMs = options.intervalMs ?? 15_000;
    this.#deadline = options.deadline;
    this.#sessions = options.sessions;
    this.#write = options.write ?? ((text) => process.stderr.write(text));
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
    this.#timer = setInterval(() => this.#tick(false), this.#tty ? 250 : 500);
    this.#timer.unref();
  }

  /** A section starts: the `index`-th of `count`, expected to take `estimateMs`, then `laterMs`. */
  section(name: string, index: number, count: number, estimateMs: number, laterMs: number): void {
    this.#section = {
      name,
      index,
      count,
      started: this.#now(),
      estimateMs,
      steps: 0,
      done: 0,
      label: "",
      endsBy: Number.POSITIVE_INFINITY,
      bytes: 0,
    };
    this.#laterMs = laterMs;
    this.#tick(true);
  }

  plan(steps: number): void {
    if (this.#section !== undefined) this.#section.steps = steps;
  }

  step(label: string): void {
    const s = this.#section;
    if (s === undefined) return;
    if (s.label !== "") s.done++;
    s.label = label;
    this.#tick(false);
  }

  endsBy(at: number): void {
    if (this.#section !== undefined) this.#section.endsBy = at;
  }

  /** Counts bytes received by sessions. */
  addBytes(bytes: number): void {
    if (this.#section !== undefined) this.#section.bytes += bytes;
  }

  /** Prints a message line (on the progress stream, above the live line on a terminal). */
  note(line: string): void {
    this.#clear();
    this.#write(`${line}\n`);
  }

  /** Ms until the run should end, from the current section's pace and the later estimates. */
  etaMs(): number {
    const s = this.#section;
    const now = this.#now();
    let current = 0;
    if (s !== undefined) {
      const elapsed = now - s.started;
      if (Number.isFinite(s.endsBy)) current = s.endsBy - now;
      else if (s.steps > 0 && s.done > 0) current = (elapsed / s.done) * (s.steps - s.done);
      else current = s.estimateMs - elapsed;
    }
    const eta = Math.max(0, current) + this.#laterMs;
    return Number.isFinite(this.#deadline) ? Math.min(eta, this.#deadline - now) : eta;
  }

  /** The progress text. */
  status(): string {
    const s = this.#section;
    const elapsed = this.#now() - this.#started;
    if (s === undefined) return `starting, ${clock(elapsed)} elapsed`;
    const parts = [`[${s.index}/${s.count} ${s.name}]`];
    if (s.label !== "") parts.push(s.label);
    if (s.steps > 0) parts.push(`${Math.min(s.done, s.steps)}/${s.steps} done`);
    const open = this.#sessions();
    if (open > 0 || s.bytes > 0) {
      parts.push(`${open} session(s) open, ${(s.bytes / 1e6).toFixed(1)} MB received`);
    }
    parts.push(`${clock(elapsed)} elapsed, about ${clock(this.etaMs())} left`);
    return parts.join(" · ");
  }

  /** Takes the live line off the terminal before something else is written to it. */
  clear(): void {
    this.#clear();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#clear();
  }

  #tick(sectionStart: boolean): void {
    if (this.#tty) {
      this.#write(`\r\x1b[K${this.status()}`);
      this.#drawn = true;
      return;
    }
    const now = this.#now();
    if (sectionStart || now - this.#lastPlain >= this.#intervalMs) {
      this.#lastPlain = now;
      this.#write(`progress: ${this.status()}\n`);
    }
  }

  #clear(): void {
    if (this.#tty && this.#drawn) this.#write("\r\x1b[K");
    this.#drawn = false;
  }
}
