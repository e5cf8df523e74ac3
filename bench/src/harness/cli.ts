/** The bench's command line, parsed with `node:util`'s `parseArgs`. */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CHUNK_BYTES } from "./corpus.ts";

/** How much to measure: `quick` proves the bench runs, `default` answers, `full` is the matrix. */
export type Mode = "quick" | "default" | "full";

/**
 * Against a real guacd, unless `--budget` says otherwise: the sections' time, in seconds. A few
 * seconds under the minute marks, so that with starting up and drawing the report the whole run
 * stays within them.
 */
export const REAL_GUACD_BUDGET: Readonly<Record<Mode, number>> = {
  quick: 54,
  default: 114,
  full: 174,
};
/** Against a real guacd, unless `--max-sessions` says otherwise. */
export const DEFAULT_MAX_SESSIONS = 16;

/** What the command line asked for. */
export interface Cli {
  readonly mode: Mode;
  readonly json: string;
  readonly svg: string;
  readonly filter: string | undefined;
  readonly chunkBytes: number;
  readonly sections: readonly string[] | undefined;
  readonly budgetSeconds: number | undefined;
  readonly maxSessions: number;
  readonly targets: string | undefined;
  readonly simCap: number;
  /** Print every detailed table on stdout too (they always go to the report's text file). */
  readonly verbose: boolean;
  readonly help: boolean;
}

/** Where results go unless `--json` / `--svg` say otherwise. */
export const RESULTS_DIR: string = fileURLToPath(new URL("../../results/", import.meta.url));

export const USAGE: string =
  "usage: npm run bench -- [--quick | --full] [--section codec,e2e,deno,guacd,broker,display]\n" +
  "                        [--filter <substring>] [--chunk-bytes 65536]\n" +
  "                        [--json <path>] [--svg <path>]\n" +
  "                        [--budget <seconds>] [--max-sessions 16] [--targets <file.json>]\n" +
  "                        [--sim-cap 12] [--verbose]\n" +
  "Prints one summary table per section; every table is in the report (--json path, .txt/.html).\n" +
  "The display section runs when named (--section display) or with --full.\n" +
  "Against a real guacd (GUACD_HOST or --targets) only the guacd section runs by default,\n" +
  `within ${REAL_GUACD_BUDGET.default} s (--quick: ${REAL_GUACD_BUDGET.quick} s, --full: ` +
  `${REAL_GUACD_BUDGET.full} s) and ${DEFAULT_MAX_SESSIONS} sessions at once.`;

/** Thrown for a command line the bench cannot run. */
export class BenchUsageError extends Error {
  readonly code = "BENCH_USAGE";
  constructor(message: string) {
    super(`Cannot parse arguments: ${message}`);
    this.name = "BenchUsageError";
  }
}

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n))
    throw new BenchUsageError(`--${name} needs a positive number`);
  return n;
}

/**
 * Parses the bench's arguments (a lone `--`, as npm passes it, is ignored).
 *
 * @example
 * ```ts
 * import { parseCli } from "./cli.ts";
 * const cli = parseCli(["--quick", "--section", "codec,e2e"]);
 * if (cli.mode !== "quick" || cli.sections?.join() !== "codec,e2e") throw new Error("parsed wrong");
 * ```
 */
export function parseCli(argv: readonly string[]): Cli {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv.filter((arg) => arg !== "--"));
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.quick === true && v.full === true) {
    throw new BenchUsageError("--quick and --full exclude each other");
  }
  const chunkBytes = positive("chunk-bytes", v["chunk-bytes"]) ?? CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes)) {
    throw new BenchUsageError("--chunk-bytes needs a positive integer");
  }
  return {
    mode: v.quick === true ? "quick" : v.full === true ? "full" : "default",
    json: resolve(v.json ?? resolve(RESULTS_DIR, "latest.json")),
    svg: resolve(v.svg ?? resolve(RESULTS_DIR, "latest.svg")),
    filter: v.filter,
    chunkBytes,
    sections: v.section?.split(","),
    budgetSeconds: positive("budget", v.budget),
    maxSessions: Math.floor(positive("max-sessions", v["max-sessions"]) ?? DEFAULT_MAX_SESSIONS),
    targets: v.targets === undefined ? undefined : resolve(v.targets),
    simCap: Math.floor(positive("sim-cap", v["sim-cap"]) ?? 12),
    verbose: v.verbose === true,
    help: v.help === true,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: "boolean" },
      full: { type: "boolean" },
      json: { type: "string" },
      svg: { type: "string" },
      filter: { type: "string" },
      "chunk-bytes": { type: "string" },
      section: { type: "string" },
      budget: { type: "string" },
      "max-sessions": { type: "string" },
      targets: { type: "string" },
      "sim-cap": { type: "string" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
