// Programs in a fresh process of the runtime under test (node:child_process, which Deno has too):
// a client that must exit by itself after close(), and the package's examples/hello.ts.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import type { TransportHarness } from "./harness.ts";

/** How a program ended: whether it exited by itself within the limit, its code and output. */
export interface ProgramOutcome {
  exited: boolean;
  code: number | null;
  output: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes start with ESC
const COLOURS = /\x1b\[[0-9;]*m/g;

/** Runs `script` on the harness's runtime from the repository root; kills it after `limitMs`. */
export function runProgram(
  h: TransportHarness,
  script: string,
  env: Record<string, string>,
  limitMs: number,
): Promise<ProgramOutcome> {
  const child = spawn(h.runtime.command, [...h.runtime.args, script], {
    cwd: h.runtime.cwd,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (data: Uint8Array) => {
    output += new TextDecoder().decode(data);
  });
  child.stderr.on("data", (data: Uint8Array) => {
    output += new TextDecoder().decode(data);
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ exited: false, code: null, output: output.replace(COLOURS, "") });
    }, limitMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ exited: true, code, output: output.replace(COLOURS, "") });
    });
  });
}

/**
 * Runs a fresh process that connects to `port`, echoes one message, calls `close()` and does not
 * exit explicitly.
 */
export async function runClientProcess(
  h: TransportHarness,
  port: number,
  limitMs: number,
): Promise<ProgramOutcome> {
  const dir = await mkdtemp(join(tmpdir(), "guacstream-exit-"));
  const script = join(dir, "client.mts");
  const entry = pathToFileURL(join(h.packageDir, "src", "index.ts")).href;
  await writeFile(
    script,
    [
      `import { connect } from ${JSON.stringify(entry)};`,
      `const c = await connect({ port: ${port} });`,
      `await c.writable.getWriter().write(new TextEncoder().encode("3.nop;"));`,
      "const { value } = await c.readable.getReader().read();",
      `console.log("echoed " + new TextDecoder().decode(value));`,
      "await c.close();",
      `console.log("closed", await c.closed);`,
    ].join("\n"),
  );
  try {
    return await runProgram(h, script, {}, limitMs);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the package's `examples/hello.ts` with `env` added. */
export function runExample(
  h: TransportHarness,
  env: Record<string, string>,
  limitMs: number,
): Promise<ProgramOutcome> {
  return runProgram(h, join(h.packageDir, "examples", "hello.ts"), env, limitMs);
}
