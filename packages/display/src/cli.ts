#!/usr/bin/env node
/// <reference types="node" />
// The `guacstream-display` command: renders `.guac` recordings to PNG files (Node only).
import { mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { encodePng } from "./image/png-encoder.ts";
import { contactSheet } from "./recording/contact-sheet.ts";
import { recordingSpan } from "./recording/recording-span.ts";
import { type RecordingFrame, renderRecording } from "./recording/render-recording.ts";

const USAGE = `Usage: guacstream-display render <recording.guac> [options]

Renders a Guacamole session recording (guacd's recording-path files or the broker's) to PNG.
  --every-frame            one PNG per frame (sync), into --out
  --at <seconds,...>       one PNG per time (seconds from the first frame), into --out
  --contact-sheet <file>   one PNG with --count thumbnails spread over the recording
  --out <dir>              folder for --every-frame / --at (default: .)
  --count <n>              thumbnails on the contact sheet (default: 16)
  --columns <n>            thumbnails per row (default: square-ish)
  --width <px>             thumbnail width (default: 320)
  --no-cursor              leave the mouse cursor out
`;

/** What the command writes to; the process's streams unless a test passes its own. */
export interface CliOutput {
  log(line: string): void;
  error(line: string): void;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Runs the command with `args` (without `node` and the script). Resolves to the exit code: 0 on
 * success, 2 for bad usage, 1 when the recording cannot be read.
 */
export async function main(args: readonly string[], out: CliOutput = console): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    out.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, file] = positionals;
  const modes = [values["every-frame"], values.at, values["contact-sheet"]].filter(
    (v) => v !== undefined && v !== false,
  );
  if (values.help === true || command !== "render" || file === undefined || modes.length !== 1) {
    (values.help === true ? out.log : out.error)(USAGE);
    return values.help === true ? 0 : 2;
  }
  const outDir = values.out ?? ".";
  const cursor = values["no-cursor"] !== true;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    out.error(`Cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }
  let skipped = 0;
  const onError = () => void skipped++;
  try {
    if (values["contact-sheet"] !== undefined) {
      const count = Math.max(1, Number(values.count ?? 16));
      const { duration } = await recordingSpan([bytes]);
      const at = Array.from({ length: count }, (_, i) =>
        count === 1 ? 0 : Math.round((i * duration) / (count - 1)),
      );
      const frames: RecordingFrame[] = [];
      for await (const frame of renderRecording([bytes], { at, cursor, onError })) {
        frames.push(frame);
      }
      const sheet = contactSheet(frames, {
        ...(values.columns === undefined ? {} : { columns: Number(values.columns) }),
        ...(values.width === undefined ? {} : { thumbnailWidth: Number(values.width) }),
      });
      await writeFile(values["contact-sheet"], await encodePng(sheet));
      out.log(`${values["contact-sheet"]}: ${frames.length} frames over ${seconds(duration)} s`);
    } else {
      await mkdir(outDir, { recursive: true });
      const at =
        values.at === undefined
          ? undefined
          : values.at.split(",").map((s) => Math.round(Number(s) * 1000));
      if (at?.some((t) => !Number.isFinite(t) || t < 0)) {
        out.error(`--at takes seconds separated by commas, not "${values.at}"`);
        return 2;
      }
      let written = 0;
      const options = at === undefined ? { everyFrame: true } : { at };
      for await (const frame of renderRecording([bytes], { ...options, cursor, onError })) {
        const name =
          at === undefined
            ? `frame-${String(frame.frame).padStart(6, "0")}.png`
            : `at-${seconds(frame.time)}s.png`;
        await writeFile(join(outDir, name), await encodePng(frame.image));
        written++;
      }
      out.log(`${outDir}: ${written} PNG files`);
    }
  } catch (error) {
    out.error(`Cannot render ${file}: ${(error as Error).message}`);
    return 1;
  }
  if (skipped > 0) out.log(`(${skipped} instructions the display skipped)`);
  return 0;
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      "every-frame": { type: "boolean" },
      at: { type: "string" },
      "contact-sheet": { type: "string" },
      out: { type: "string", short: "o" },
      count: { type: "string" },
      columns: { type: "string" },
      width: { type: "string" },
      "no-cursor": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
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
