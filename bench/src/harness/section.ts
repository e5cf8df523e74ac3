import type { Mode } from "./cli.ts";
import type { Figure } from "./figure.ts";

/** How the whole run is bounded and watched; sections that talk to a guacd use it. */
export interface RunContext {
  /** When the run must end (`performance.now()` ms); Infinity: no budget. */
  readonly deadline: number;
  /** Sessions open at once against a guacd, at most. */
  readonly maxSessions: number;
  /** Aborted on Ctrl-C or SIGTERM: stop, close every session, return. */
  readonly signal: AbortSignal;
  /** Names the step that runs now (shown in the progress line). */
  phase(name: string): void;
  /** Counts bytes received by sessions (shown in the progress line while sessions are open). */
  addBytes(bytes: number): void;
  /** `--targets FILE`, if given. */
  readonly targetsFile: string | undefined;
  /** Session cap of the bench's guacd-like simulator. */
  readonly simCap: number;
  /** Whether the target is a real guacd (`GUACD_HOST` or `--targets`): the firehose sections skip it. */
  readonly realGuacd: boolean;
}

/** Where a section says how far it is, for the progress line's done / left and ETA. */
export interface SectionProgress {
  /** How many steps the section will take (cases, levels …). */
  plan(steps: number): void;
  /** A step starts: the previous one is done. */
  step(label: string): void;
  /** The section knows when it will end (`performance.now()` ms), e.g. from a time budget. */
  endsBy(at: number): void;
}

/** What every section gets from the CLI. */
export interface SectionContext {
  /** `quick` proves the section runs, `default` answers in seconds, `full` is every case. */
  readonly mode: Mode;
  /** Only inputs whose name contains this run (sections decide what "input" means). */
  readonly filter: string | undefined;
  /** Bytes per input chunk (a TCP read). @default 65536 */
  readonly chunkBytes: number;
  /** Writes a line of the detailed tables (the report's text file; stdout with `--verbose`). */
  log(line?: string): void;
  readonly progress: SectionProgress;
  /** Budget, session cap, interrupt and progress; absent in unit tests of a section. */
  readonly run?: RunContext;
}

/** A speed or memory target and where this run stands (the detailed tables print these). */
export interface TargetStatus {
  readonly input: string;
  readonly case: string;
  readonly against: string;
  readonly target: number;
  readonly ratio: number;
  readonly met: boolean;
  /** Printed after the status: e.g. what the target can reach at most on this machine. */
  readonly note?: string;
}

export interface SectionResult {
  /** Everything measured, as plain JSON. */
  readonly data: unknown;
  /** The figures to summarise and chart; the headline ones are printed. */
  readonly figures: readonly Figure[];
  /** One line under the section's summary title: how the figures were measured. */
  readonly method: string;
  /** Set when the section did not run: why (printed instead of a table). */
  readonly skipped?: string;
}

/**
 * A part of the bench. main.ts runs the chosen sections in order, prints each one's headline
 * figures as a table and writes every figure and the data into the report.
 */
export interface Section {
  readonly name: string;
  readonly title: string;
  /** Rough seconds per mode on a quiet 2-core machine, for the ETA before the section starts. */
  readonly estimateSeconds: Readonly<Record<Mode, number>>;
  run(ctx: SectionContext): Promise<SectionResult>;
}

/** A progress sink that shows nothing (unit tests of a section). */
export const NO_PROGRESS: SectionProgress = {
  plan: () => {},
  step: () => {},
  endsBy: () => {},
};
