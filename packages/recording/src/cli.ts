#!/usr/bin/env node
/// <reference types="node" />
// The `guacstream-recording` command (Node only): `keys` writes a recording's key log as guaclog.
import { open, readFile, realpath } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { keyLogOf } from "./key-log.ts";

const USAGE = `Usage: guacstream-recording keys [--stdout] <recording.guac>...

Writes the text typed in each recording, as guacd's guaclog does: to <recording>.txt, which must
not exist yet (or to standard output with --stdout). Printable keys are the text they type, other
keys <Name>, shortcuts <Ctrl+Altx>.
`;

/** What the command writes to; the process's streams unless a test passes its own. */
export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
  write(bytes: Uint8Array): void;
}

const processOutput: CliOutput = {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
  write: (bytes) => process.stdout.write(bytes),
};

/** Runs the command on `argv` (without node and the script); resolves with the exit code. */
export async function main(
  argv: readonly string[],
  out: CliOutput = processOutput,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    out.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...files] = parsed.positionals;
  if (parsed.values.help === true) {
    out.log(USAGE);
    return 0;
  }
  if (command !== "keys" || files.length === 0) {
    out.error(USAGE);
    return 2;
  }
  let failures = 0;
  for (const file of files) {
    try {
      const result = await keyLogOf(await readFile(file));
      if (parsed.values.stdout === true) out.write(result.bytes);
      else {
        // As guaclog: never overwrite an existing log.
        const handle = await open(`${file}.txt`, "wx", 0o600);
        try {
          await handle.write(result.bytes);
        } finally {
          await handle.close();
        }
      }
      if (result.error !== undefined) {
        failures++;
        out.error(`${file}: ${result.error.message} (the log holds the keys before it)`);
      }
    } catch (error) {
      failures++;
      out.error(`${file}: ${(error as Error).message}`);
    }
  }
  return failures === 0 ? 0 : 1;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { stdout: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
}

// Run when executed (also through npx's symlink), not when imported by a test.
const invoked = process.argv[1];
if (
  invoked !== undefined &&
  (await realpath(invoked).catch(() => invoked)) === fileURLToPath(import.meta.url)
) {
  process.exitCode = await main(process.argv.slice(2));
}
