// The `guacd-sim` command's flags, parsed into the options of `startGuacdSimulator` (kept apart
// from the program so a test can check what each flag turns into).

import { parseArgs } from "node:util";
import { guacdLikeOptions } from "./guacd-like.ts";
import type { StartGuacdSimulatorOptions } from "./node.ts";

/** The command's help text. */
export const USAGE = `Usage: guacd-sim [options]
  --host <addr>            interface to listen on (default 127.0.0.1)
  --port <n>               TCP port (default 4822; 0 picks a free one)
  --pace fast|realtime     replay speed (default fast)
  --corpus <dir>           recordings (default $GUACSTREAM_CORPUS, else the compact set in the
                           package; in the repository, <repo>/../shared/corpus)
  --sync-timeout <ms>      client timeout after connect (default 15000)
  --handshake-timeout <ms> per handshake instruction (default 15000)
  --close-on-failure       close instead of holding the socket after a failed handshake
  --guacd-like             behave as guacd under load: desktops paced by their timestamps, a
                           client lagging on sync throttled (then cut with 776), sessions over
                           --max-sessions reset, SSH key presses echoed
  --max-sessions <n>       sessions at once, more are reset (default 32 with --guacd-like)
  --throttle-lag <ms>      stop frames while the client is this far behind on sync`;

/** What the command line asks for. */
export type CliCommand =
  | { readonly kind: "help" }
  | { readonly kind: "usage-error"; readonly message: string }
  | {
      readonly kind: "serve";
      /** `--corpus`, if given. */
      readonly corpusDir: string | undefined;
      /** Every option but the corpus, which the program loads. */
      readonly options: Omit<StartGuacdSimulatorOptions, "corpus">;
      /** How the start line describes the mode. */
      readonly mode: string;
    };

/** Parses the command's arguments (without `node` and the script). */
export function parseCli(args: readonly string[]): CliCommand {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(args).values;
  } catch (error) {
    return { kind: "usage-error", message: (error as Error).message };
  }
  if (values.help) return { kind: "help" };
  const pace = values.pace;
  if (pace !== "fast" && pace !== "realtime") {
    return { kind: "usage-error", message: "--pace must be fast or realtime" };
  }
  const numbers: { -readonly [K in keyof NumberOptions]?: number } = {};
  for (const [flag, name] of NUMBER_FLAGS) {
    const text = values[flag];
    if (text === undefined) continue;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) {
      return { kind: "usage-error", message: `--${flag} must be a number, not "${text}"` };
    }
    numbers[name] = value;
  }
  const { maxSessions, throttleLagMs, syncTimeoutMs, handshakeTimeoutMs } = numbers;
  const guacdLike = values["guacd-like"];
  return {
    kind: "serve",
    corpusDir: values.corpus,
    options: {
      ...(guacdLike
        ? guacdLikeOptions(def({ maxSessions, throttleLagMs, syncTimeoutMs }))
        : { pace, ...def({ maxSessions, throttleLagMs, syncTimeoutMs }) }),
      ...def({ handshakeTimeoutMs }),
      host: values.host,
      port: Number(values.port),
      afterHandshakeFailure: values["close-on-failure"] ? "close" : "hold",
    },
    mode: guacdLike ? "guacd-like" : `pace ${pace}`,
  };
}

interface NumberOptions {
  readonly maxSessions: number;
  readonly throttleLagMs: number;
  readonly syncTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
}

const NUMBER_FLAGS = [
  ["max-sessions", "maxSessions"],
  ["throttle-lag", "throttleLagMs"],
  ["sync-timeout", "syncTimeoutMs"],
  ["handshake-timeout", "handshakeTimeoutMs"],
] as const;

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "4822" },
      pace: { type: "string", default: "fast" },
      corpus: { type: "string" },
      "sync-timeout": { type: "string" },
      "handshake-timeout": { type: "string" },
      "close-on-failure": { type: "boolean", default: false },
      "guacd-like": { type: "boolean", default: false },
      "max-sessions": { type: "string" },
      "throttle-lag": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/** The entries of `values` that are set (with exactOptionalPropertyTypes, absent is not undefined). */
function def<T extends Record<string, number | undefined>>(values: T): { [K in keyof T]?: number } {
  const out: { [K in keyof T]?: number } = {};
  for (const key of Object.keys(values) as (keyof T)[]) {
    const value = values[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
