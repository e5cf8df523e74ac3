/** Where and on what a run was made, so its results can be attributed and compared. */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { packageVersion } from "../codec/upstream.ts";
import type { Mode } from "./cli.ts";
import { corpusDir } from "./corpus.ts";

/** The commit benched and any uncommitted change to the packages. */
function gitState(): { commit: string; uncommitted: string[] } | string {
  const cwd = fileURLToPath(new URL("../../../", import.meta.url));
  try {
    const git = (...args: string[]): string =>
      execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const commit = git("rev-parse", "--short", "HEAD").trim();
    const uncommitted = git("status", "--porcelain", "--", "packages")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => line.slice(3));
    return { commit, uncommitted };
  } catch {
    return "unknown (not a git checkout)";
  }
}

/** The run's environment as recorded in the JSON. */
export interface Environment {
  readonly date: string;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly cpu: string;
  readonly cpus: number;
  readonly mode: Mode;
  readonly git: { commit: string; uncommitted: string[] } | string;
  readonly corpus: string;
  readonly baselines: Readonly<Record<string, string>>;
}

export function environment(mode: Mode): Environment {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpu[0]?.model ?? "unknown",
    cpus: cpu.length,
    mode,
    git: gitState(),
    corpus: corpusDir(),
    baselines: {
      "guacamole-lite": packageVersion("guacamole-lite"),
      "guacamole-common-js": packageVersion("guacamole-common-js"),
    },
  };
}
