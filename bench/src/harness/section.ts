/** How the whole run is bounded and watched; sections that talk to a guacd use it. */
export interface RunContext {
  /** When the run must end (`performance.now()` ms); Infinity: no budget. */
  readonly deadline: number;
  /** Sessions open at once against a guacd, at most. */
  readonly maxSessions: number;
  /** Aborted on Ctrl-C or SIGTERM: stop, close every session, return. */
  readonly signal: AbortSignal;
  /** Names the phase that runs now; counts bytes received. */
  phase(name: string): void;
  addBytes(bytes: number): void;
  /** `--targets FILE`, if given. */
  readonly targetsFile: string | undefined;
  /** Session cap of the bench's guacd-like simulator. */
  readonly simCap: number;
  /** Whether the target is a real guacd (`GUACD_HOST` or `--targets`): the firehose sections skip it. */
  readonly realGuacd: boolean;
}

/** What every section gets from the CLI. */
export interface SectionContext {
  readonly quick: boolean;
  /** Only inputs whose name contains this run (sections decide what "input" means). */
  readonly filter: string | undefined;
  /** Bytes per input chunk (a TCP read). @default 65536 */
  readonly chunkBytes: number;
  /** Prints a line of the report. */
  log(line?: string): void;
  /** Budget, session cap, interrupt and progress; absent in unit tests of a section. */
  readonly run?: RunContext;
}

/** One bar of the chart: a ratio against the section's reference (1 = as fast). */
export interface ChartBar {
  readonly label: string;
  readonly value: number;
  /** The target ratio this bar is held to, if any. */
  readonly target?: number;
}

export interface ChartGroup {
  readonly title: string;
  /** Bars in this unit (ms, fps …) on the group's own scale; absent: ratios on the shared scale. */
  readonly unit?: string;
  readonly bars: readonly ChartBar[];
}

/** A target from the issue and where this run stands. */
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
  readonly chart: readonly ChartGroup[];
  readonly targets: readonly TargetStatus[];
}

/**
 * A part of the bench (codec now; end-to-end later). main.ts runs the registered sections in
 * order and gathers their results into one JSON file and one chart.
 */
export interface Section {
  readonly name: string;
  readonly title: string;
  run(ctx: SectionContext): Promise<SectionResult>;
}
