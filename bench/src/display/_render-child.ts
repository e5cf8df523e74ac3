/**
 * One recording rendered by our HeadlessDisplay, alone in a process, on command over IPC:
 * - `{ kind: "render" }`: one pass as fast as possible (decode the wire, apply every instruction,
 *   wait until every frame is shown); answers wall ms, CPU ms (user + system) and frames;
 * - `{ kind: "pace", seconds? }`: one pass at the recording's own pace (each frame's instructions
 *   applied when its `sync` time comes, by the wall clock), the first `seconds` of it if given;
 *   answers wall ms and CPU ms.
 * Each answer also carries the peak bytes the display's layers held and its final size.
 *
 * Blob payloads reach the display as bytes (BlobBytesDecoder) unless the third argument is
 * "strings" (the plain decoder; the display base64-decodes each payload string).
 *
 * Run (render-bench.ts does): node --import tsx --conditions=@guacstream/source _render-child.ts <file> [bytes|strings]
 */
import { readFileSync } from "node:fs";
import { BlobBytesDecoder, InstructionDecoder, type InstructionOrBlob } from "@guacstream/codec";
import { createImageDecoder, HeadlessDisplay } from "@guacstream/display";
import { chunk } from "../harness/corpus.ts";

export type ToRenderChild =
  | { kind: "render" }
  | { kind: "pace"; seconds?: number }
  | { kind: "exit" };
export interface RenderResult {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly frames: number;
  readonly skipped: number;
  /** The most bytes the display's layers held at once. */
  readonly peakBytes: number;
  readonly width: number;
  readonly height: number;
}

const file = process.argv[2] as string;
const wireKind = process.argv[3] === "strings" ? "strings" : "bytes";
const bytes = new Uint8Array(readFileSync(file));
const chunks = chunk(bytes);
// One decoder for every pass: its WASM is compiled once, as in a long-lived client.
const decoder = createImageDecoder();

function cpuMs(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}

async function render(): Promise<RenderResult> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let skipped = 0;
  const display = new HeadlessDisplay({ decoder, onError: () => void skipped++ });
  const apply = (instruction: InstructionOrBlob) => display.apply(instruction);
  const wire = wireKind === "bytes" ? new BlobBytesDecoder(apply) : new InstructionDecoder(apply);
  for (const c of chunks) wire.push(c);
  wire.finish();
  await display.settled();
  return {
    wallMs: performance.now() - started,
    cpuMs: cpuMs(cpu),
    frames: display.frameCount,
    skipped,
    peakBytes: display.budget.peakBytes,
    width: display.width,
    height: display.height,
  };
}

/** The recording as frames: each `sync`'s time and the instructions up to and including it. */
function framesOf(): { time: number; instructions: InstructionOrBlob[] }[] {
  const frames: { time: number; instructions: InstructionOrBlob[] }[] = [];
  let current: InstructionOrBlob[] = [];
  const collect = (instruction: InstructionOrBlob) => {
    current.push(instruction);
    if (instruction.opcode === "sync") {
      frames.push({ time: Number(instruction.args[0]), instructions: current });
      current = [];
    }
  };
  const wire =
    wireKind === "bytes" ? new BlobBytesDecoder(collect) : new InstructionDecoder(collect);
  for (const c of chunks) wire.push(c);
  wire.finish();
  return frames;
}

async function pace(seconds: number): Promise<RenderResult> {
  const all = framesOf();
  const first = all[0]?.time ?? 0;
  const frames = all.filter((f) => f.time - first <= seconds * 1000);
  let skipped = 0;
  const display = new HeadlessDisplay({ decoder, onError: () => void skipped++ });
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const frame of frames) {
    const due = started + (frame.time - first) - performance.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    for (const instruction of frame.instructions) display.apply(instruction);
  }
  await display.settled();
  return {
    wallMs: performance.now() - started,
    cpuMs: cpuMs(cpu),
    frames: display.frameCount,
    skipped,
    peakBytes: display.budget.peakBytes,
    width: display.width,
    height: display.height,
  };
}

process.on("message", async (message: ToRenderChild) => {
  if (message.kind === "exit") process.exit(0);
  const result =
    message.kind === "render"
      ? await render()
      : await pace(message.seconds ?? Number.POSITIVE_INFINITY);
  process.send?.(result);
});
process.send?.({ ready: true });
