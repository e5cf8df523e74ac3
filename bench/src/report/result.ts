/** The shape of a run's JSON file, as written by main.ts and read back for the trend. */
import type { Environment } from "../harness/environment.ts";
import type { Figure } from "../harness/figure.ts";

export interface SectionRecord {
  readonly title: string;
  readonly method: string;
  readonly skipped?: string;
  readonly figures: readonly Figure[];
  readonly data: unknown;
}

export interface RunRecord {
  readonly environment: Environment;
  readonly settings: {
    readonly mode: string;
    /** `simulator`, or the guacd targets measured (`host:port protocol`, …). */
    readonly target: string;
    readonly chunkBytes: number;
    readonly budgetSeconds: number | null;
    readonly maxSessions: number;
  };
  readonly seconds: number;
  readonly sections: Readonly<Record<string, SectionRecord>>;
}

/** The report's title: what was measured against what; no comparison where none was made. */
export function reportTitle(run: RunRecord): string {
  const against =
    run.settings.target === "simulator"
      ? "on the guacd simulator"
      : `against guacd (${run.settings.target})`;
  return `guacstream bench ${against}: ${run.settings.mode} run, ${run.environment.date.slice(0, 16).replace("T", " ")} UTC`;
}
