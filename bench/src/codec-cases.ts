import { StringDecoder } from "node:string_decoder";
import {
  type Instruction,
  InstructionBatchDecoderStream,
  InstructionDecoder,
  InstructionDecoderStream,
  InstructionEncoderStream,
  InstructionFramer,
  InstructionFrameStream,
} from "@guacstream/codec";
import { do_not_optimize } from "mitata";
import type { BenchInput } from "./corpus.ts";
import type { UpstreamParserClass } from "./upstream.ts";

/** What one pass over the input saw; the bench checks it against our decoder's. */
export interface Outcome {
  /** Instructions seen; NaN where the case cannot know (coalesced frames, floors). */
  instructions: number;
  /** Bytes out (frames, encoded bytes) or in (floors); NaN where not meaningful. */
  bytes: number;
  /** Set when the parser threw: the message. `instructions` is then the count before it. */
  error?: string;
}

export type CaseGroup = "ours" | "upstream" | "floor";
export type CaseKind = "decode" | "frame" | "encode" | "floor";

/** One thing timed over one input. `run` is one full pass from fresh state. */
export interface BenchCase {
  readonly id: string;
  readonly label: string;
  readonly group: CaseGroup;
  readonly kind: CaseKind;
  /** The bytes this case moves per run (input bytes, or encoded bytes for encoders). */
  readonly bytesPerRun: number;
  run(): Outcome | Promise<Outcome>;
}

/** Upstream decode feeds whose faster one is the ratio reference ("the parser brokers run"). */
export const REFERENCE_FEEDS: readonly string[] = ["lite+TextDecoder", "lite+string_decoder"];

/** A fresh web stream over preloaded items, one item per pull, as a socket source hands reads. */
export function streamOf<T>(items: readonly T[]): ReadableStream<T> {
  let next = 0;
  return new ReadableStream<T>({
    pull(controller) {
      if (next < items.length) controller.enqueue(items[next++]!);
      else controller.close();
    },
  });
}

/**
 * A fresh stream over `items` split evenly into `reads` parts: each pull enqueues one part's
 * items one by one, as a decoder or framer enqueues what one read completed.
 */
function sharesOf<T>(items: readonly T[], reads: number): ReadableStream<T> {
  let next = 0;
  let read = 0;
  return new ReadableStream<T>(
    {
      pull(controller) {
        // A part with no items enqueues nothing, and a pull that enqueues nothing is not
        // called again: go on to the next part.
        while (read < reads) {
          const until = Math.floor((++read * items.length) / reads);
          if (next === until) continue;
          while (next < until) controller.enqueue(items[next++]!);
          return;
        }
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** The whole instructions of `chunks` as views (copies where one straddled two chunks). */
function cutFrames(chunks: readonly Uint8Array[]): Uint8Array[] {
  return framesPerChunk(chunks).flat();
}

/**
 * What a framing or decoding core completes with each chunk, chunk by chunk (untimed, for the
 * floors): `open` makes the core around the function that collects.
 */
function perChunk<T>(
  chunks: readonly Uint8Array[],
  open: (collect: (item: T) => void) => { push(chunk: Uint8Array): void; finish(): void },
): T[][] {
  let group: T[] = [];
  const groups: T[][] = [];
  const core = open((item) => group.push(item));
  for (const chunk of chunks) {
    core.push(chunk);
    groups.push(group);
    group = [];
  }
  core.finish();
  return groups;
}

/** Each chunk's whole instructions as views (copies where one straddled two chunks). */
function framesPerChunk(chunks: readonly Uint8Array[]): Uint8Array[][] {
  return perChunk<Uint8Array>(
    chunks,
    (collect) =>
      new InstructionFramer((bytes, start, end, copied) =>
        collect(copied ? bytes.slice(start, end) : bytes.subarray(start, end)),
      ),
  );
}

/** Each chunk's completed instructions, decoded. */
function instructionsPerChunk(chunks: readonly Uint8Array[]): Instruction[][] {
  return perChunk<Instruction>(chunks, (collect) => new InstructionDecoder(collect));
}

/**
 * The least a `pipeThrough` pair can do: for the k-th input chunk it enqueues `groups[k]`'s items,
 * made beforehand, and reads nothing of the chunk. It is built as the codec's streams are (a
 * `WritableStream` whose write waits while outputs wait, and a `ReadableStream` with no queue of
 * its own), the cheapest shape measured here: a `TransformStream` costs more per output chunk, and
 * a readable side with a queue of 32 or 1,000 chunks costs the same or more. So a stream case
 * cannot beat the pipe floor of its shape, whatever its decoding costs.
 */
function prefilledPair<T>(groups: readonly (readonly T[])[]): {
  readable: ReadableStream<T>;
  writable: WritableStream<Uint8Array>;
} {
  let output!: ReadableStreamDefaultController<T>;
  let resume: (() => void) | undefined;
  let next = 0;
  const readable = new ReadableStream<T>(
    {
      start(controller) {
        output = controller;
      },
      pull() {
        const waiting = resume;
        resume = undefined;
        waiting?.();
      },
    },
    { highWaterMark: 0 },
  );
  const writable = new WritableStream<Uint8Array>({
    write() {
      const group = groups[next++] ?? [];
      for (let i = 0; i < group.length; i++) output.enqueue(group[i]!);
      if ((output.desiredSize ?? 0) >= 0) return undefined;
      return new Promise<void>((resolve) => {
        resume = resolve;
      });
    },
    close() {
      output.close();
    },
  });
  return { readable, writable };
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function drain<T>(stream: ReadableStream<T>, each: (value: T) => void): Promise<void> {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    each(value);
  }
}

/**
 * Drains `stream` through `each` and returns `out`; a stream that errors is reported in
 * `out.error`, with the counts up to the error, as every case reports a parser that threw.
 */
async function drainInto<T>(
  out: Outcome,
  stream: ReadableStream<T>,
  each: (value: T) => void,
): Promise<Outcome> {
  try {
    await drain(stream, each);
  } catch (error) {
    out.error = message(error);
  }
  return out;
}

/** What a stream yields, and how a case counts it and keeps it observable. */
interface StreamShape<T> {
  /** A pass's outcome before the first chunk (NaN where the shape counts nothing). */
  fresh(): Outcome;
  consume(out: Outcome): (value: T) => void;
}

/**
 * The three stream shapes, shared by each stream case and the floors that bound it, so both pay
 * the same per chunk.
 */
const SHAPES = {
  instructions: {
    fresh: () => ({ instructions: 0, bytes: Number.NaN }),
    consume: (out) => (instruction) => {
      out.instructions++;
      do_not_optimize(instruction);
    },
  } satisfies StreamShape<Instruction>,
  batches: {
    fresh: () => ({ instructions: 0, bytes: Number.NaN }),
    consume: (out) => (batch) => {
      out.instructions += batch.length;
      do_not_optimize(batch);
    },
  } satisfies StreamShape<Instruction[]>,
  frames: {
    fresh: () => ({ instructions: 0, bytes: 0 }),
    consume: (out) => (frame) => {
      out.instructions++;
      out.bytes += frame.byteLength;
      do_not_optimize(frame);
    },
  } satisfies StreamShape<Uint8Array>,
};

/**
 * A case that pipes the input's chunks (a fresh source per pass, one chunk per pull) through a
 * fresh `pair()` and drains what comes out in `shape`'s way.
 */
function pipeCase<T>(
  what: Omit<BenchCase, "run">,
  chunks: readonly Uint8Array[],
  shape: StreamShape<T>,
  pair: () => { readable: ReadableStream<T>; writable: WritableStream<Uint8Array> },
): BenchCase {
  return {
    ...what,
    run() {
      const out = shape.fresh();
      return drainInto(out, streamOf(chunks).pipeThrough(pair()), shape.consume(out));
    },
  };
}

type Feed = "TextDecoder" | "string_decoder";

/** Feeds the chunks to an upstream parser through a streaming text decoder, as a broker does. */
function feedUpstream(
  Parser: UpstreamParserClass,
  feed: Feed,
  chunks: readonly Uint8Array[],
  onInstruction: (opcode: string, args: string[]) => void,
): string | undefined {
  const parser = new Parser();
  parser.oninstruction = onInstruction;
  try {
    if (feed === "TextDecoder") {
      const text = new TextDecoder();
      for (const chunk of chunks) parser.receive(text.decode(chunk, { stream: true }));
      const rest = text.decode();
      if (rest !== "") parser.receive(rest);
    } else {
      const text = new StringDecoder("utf8");
      for (const chunk of chunks) parser.receive(text.write(chunk));
      const rest = text.end();
      if (rest !== "") parser.receive(rest);
    }
    return undefined;
  } catch (error) {
    return message(error);
  }
}

/**
 * Whether a case needs the input decoded beforehand (the encoders re-encode it; the stream floor
 * yields it). No other case may see it: 65K instructions kept alive from the decoder's allocation
 * site lead V8 to allocate that site's objects in old space from then on (pretenuring), and the
 * case would pay for old-space GCs that no consumer of a stream sees.
 */
export function needsDecodedInput(caseId: string): boolean {
  return caseId === "encoder-stream" || caseId === "lite-encode" || caseId === "floor-stream-reads";
}

/** Everything the codec cases need besides the input itself. */
export interface CodecContext {
  readonly lite: UpstreamParserClass;
  readonly commonJs: UpstreamParserClass;
}

/**
 * The cases for one input, ours first. `instructions` is the input decoded once by our decoder
 * (untimed), which the encoder cases re-encode.
 */
export function codecCases(
  input: BenchInput,
  instructions: readonly Instruction[],
  encodedBytes: number,
  ctx: CodecContext,
): BenchCase[] {
  const { chunks } = input;
  const size = input.bytes.length;
  const cases: BenchCase[] = [
    pipeCase(
      {
        id: "decoder-stream",
        label: "ours  InstructionDecoderStream (pipeThrough)",
        group: "ours",
        kind: "decode",
        bytesPerRun: size,
      },
      chunks,
      SHAPES.instructions,
      () => new InstructionDecoderStream(),
    ),
    pipeCase(
      {
        id: "batch-decoder-stream",
        label: "ours  InstructionBatchDecoderStream (pipeThrough)",
        group: "ours",
        kind: "decode",
        bytesPerRun: size,
      },
      chunks,
      SHAPES.batches,
      () => new InstructionBatchDecoderStream(),
    ),
    pipeCase(
      {
        id: "frame-stream",
        label: "ours  InstructionFrameStream (pipeThrough)",
        group: "ours",
        kind: "frame",
        bytesPerRun: size,
      },
      chunks,
      SHAPES.frames,
      () => new InstructionFrameStream(),
    ),
    {
      id: "frame-stream-coalesce",
      label: "ours  InstructionFrameStream {coalesce}",
      group: "ours",
      kind: "frame",
      bytesPerRun: size,
      async run() {
        const out: Outcome = { instructions: Number.NaN, bytes: 0 };
        const stream = new InstructionFrameStream({ coalesce: true });
        return drainInto(out, streamOf(chunks).pipeThrough(stream), (frame) => {
          out.bytes += frame.byteLength;
          do_not_optimize(frame);
        });
      },
    },
    {
      id: "decoder-core",
      label: "ours  InstructionDecoder core (direct)",
      group: "ours",
      kind: "decode",
      bytesPerRun: size,
      run() {
        const out: Outcome = { instructions: 0, bytes: Number.NaN };
        const decoder = new InstructionDecoder((i) => {
          out.instructions++;
          do_not_optimize(i);
        });
        try {
          for (const chunk of chunks) decoder.push(chunk);
          decoder.finish();
        } catch (error) {
          out.error = message(error);
        }
        return out;
      },
    },
    {
      id: "framer-core",
      label: "ours  InstructionFramer core (direct)",
      group: "ours",
      kind: "frame",
      bytesPerRun: size,
      run() {
        const out: Outcome = { instructions: 0, bytes: 0 };
        const framer = new InstructionFramer((bytes, start, end) => {
          out.instructions++;
          out.bytes += end - start;
          do_not_optimize(bytes);
        });
        try {
          for (const chunk of chunks) framer.push(chunk);
          framer.finish();
        } catch (error) {
          out.error = message(error);
        }
        return out;
      },
    },
    {
      id: "encoder-stream",
      label: "ours  InstructionEncoderStream (re-encode)",
      group: "ours",
      kind: "encode",
      bytesPerRun: encodedBytes,
      async run() {
        const out: Outcome = { instructions: instructions.length, bytes: 0 };
        return drainInto(
          out,
          streamOf(instructions).pipeThrough(new InstructionEncoderStream()),
          (b) => {
            out.bytes += b.byteLength;
            do_not_optimize(b);
          },
        );
      },
    },
  ];

  const upstream: [string, UpstreamParserClass][] = [
    ["lite", ctx.lite],
    ["common-js", ctx.commonJs],
  ];
  for (const [name, Parser] of upstream) {
    for (const feed of ["TextDecoder", "string_decoder"] as const) {
      cases.push({
        id: `${name}+${feed}`,
        label: `${name === "lite" ? "guacamole-lite" : "guacamole-common-js"} Parser + ${feed}`,
        group: "upstream",
        kind: "decode",
        bytesPerRun: size,
        run() {
          const out: Outcome = { instructions: 0, bytes: Number.NaN };
          const error = feedUpstream(Parser, feed, chunks, (opcode, args) => {
            out.instructions++;
            do_not_optimize(opcode);
            do_not_optimize(args);
          });
          if (error !== undefined) out.error = error;
          return out;
        },
      });
    }
  }
  const toInstruction = ctx.lite.toInstruction;
  if (toInstruction !== undefined) {
    cases.push({
      id: "lite-encode",
      label: "guacamole-lite toInstruction + TextEncoder",
      group: "upstream",
      kind: "encode",
      bytesPerRun: encodedBytes,
      run() {
        const out: Outcome = { instructions: 0, bytes: 0 };
        const text = new TextEncoder();
        for (const i of instructions) {
          const bytes = text.encode(toInstruction([i.opcode, ...i.args]));
          out.instructions++;
          out.bytes += bytes.byteLength;
          do_not_optimize(bytes);
        }
        return out;
      },
    });
  }

  // The input's frames for the frame floor, cut on its first (warm-up) pass; and for the pipe
  // floors, each chunk's frames, instructions or batch of them.
  let frames: Uint8Array[] | undefined;
  let chunkFrames: Uint8Array[][] | undefined;
  let chunkInstructions: Instruction[][] | undefined;
  let chunkBatches: Instruction[][][] | undefined;
  // One chunk-sized destination for the memcpy floor, made once: the floor is the copy, not the
  // allocation.
  const buffer = new Uint8Array(chunks.reduce((max, c) => Math.max(max, c.length), 0));
  cases.push(
    {
      id: "floor-textdecoder",
      label: "floor TextDecoder pass (stream)",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        const text = new TextDecoder();
        let units = 0;
        for (const chunk of chunks) {
          const s = text.decode(chunk, { stream: true });
          units += s.length;
          do_not_optimize(s);
        }
        units += text.decode().length;
        return { instructions: Number.NaN, bytes: units };
      },
    },
    {
      id: "floor-textdecoder-oneshot",
      label: "floor TextDecoder.decode per chunk, one-shot",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        // Not a correct feed (a chunk may end inside a character): it shows what the one-shot
        // decode, which the decoder uses per element, costs against the streaming one.
        const text = new TextDecoder();
        let units = 0;
        for (const chunk of chunks) {
          const s = text.decode(chunk);
          units += s.length;
          do_not_optimize(s);
        }
        return { instructions: Number.NaN, bytes: units };
      },
    },
    {
      id: "floor-string-decoder",
      label: "floor node:string_decoder pass",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        const text = new StringDecoder("utf8");
        let units = 0;
        for (const chunk of chunks) {
          const s = text.write(chunk);
          units += s.length;
          do_not_optimize(s);
        }
        units += text.end().length;
        return { instructions: Number.NaN, bytes: units };
      },
    },
    {
      id: "floor-stream-reads",
      label: "floor web stream: one read per instruction, nothing decoded",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      async run() {
        // The least a reader pays for a stream that yields one chunk per instruction: a bare
        // ReadableStream that enqueues each input chunk's share of the pre-decoded instructions
        // per pull (as a decoder does per read), drained like the decoder stream. No decoding,
        // no writable side: what the decoder stream would cost if decoding were free.
        const out = SHAPES.instructions.fresh();
        await drain(sharesOf(instructions, chunks.length), SHAPES.instructions.consume(out));
        return out;
      },
    },
    {
      id: "floor-stream-frames",
      label: "floor web stream: one read per frame, nothing scanned",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      async run() {
        // The same for the frame stream: each read's frames, cut once (untimed), as views.
        frames ??= cutFrames(chunks);
        const out = SHAPES.frames.fresh();
        await drain(sharesOf(frames, chunks.length), SHAPES.frames.consume(out));
        return out;
      },
    },
    // The stream cases' whole shapes, source and pipe included, with their work free: the input
    // chunks piped through a pair that enqueues each chunk's instructions (its batch, its
    // frames), made beforehand (untimed, on the first pass).
    pipeCase(
      {
        id: "floor-pipe-reads",
        label: "floor pipeThrough: one read per instruction, nothing decoded",
        group: "floor",
        kind: "floor",
        bytesPerRun: size,
      },
      chunks,
      SHAPES.instructions,
      () => {
        chunkInstructions ??= instructionsPerChunk(chunks);
        return prefilledPair(chunkInstructions);
      },
    ),
    pipeCase(
      {
        id: "floor-pipe-batches",
        label: "floor pipeThrough: one read per input chunk's instructions, nothing decoded",
        group: "floor",
        kind: "floor",
        bytesPerRun: size,
      },
      chunks,
      SHAPES.batches,
      () => {
        chunkInstructions ??= instructionsPerChunk(chunks);
        chunkBatches ??= chunkInstructions.map((batch) => (batch.length > 0 ? [batch] : []));
        return prefilledPair(chunkBatches);
      },
    ),
    pipeCase(
      {
        id: "floor-pipe-frames",
        label: "floor pipeThrough: one read per frame, nothing scanned",
        group: "floor",
        kind: "floor",
        bytesPerRun: size,
      },
      chunks,
      SHAPES.frames,
      () => {
        chunkFrames ??= framesPerChunk(chunks);
        return prefilledPair(chunkFrames);
      },
    ),
    {
      id: "floor-scan",
      label: "floor scan for ';' (indexOf)",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        let semicolons = 0;
        for (const chunk of chunks) {
          for (let at = chunk.indexOf(0x3b); at !== -1; at = chunk.indexOf(0x3b, at + 1)) {
            semicolons++;
          }
        }
        return { instructions: Number.NaN, bytes: semicolons };
      },
    },
    {
      id: "floor-memcpy",
      label: "floor memcpy (Uint8Array.set per chunk)",
      group: "floor",
      kind: "floor",
      bytesPerRun: size,
      run() {
        let copied = 0;
        for (const chunk of chunks) {
          buffer.set(chunk);
          copied += chunk.byteLength;
        }
        do_not_optimize(buffer);
        return { instructions: Number.NaN, bytes: copied };
      },
    },
  );
  return cases;
}

/** Our decoder over the input, once and untimed: the reference every parser is checked against. */
export function decodeReference(input: BenchInput): {
  instructions: Instruction[];
  error?: string;
} {
  const instructions: Instruction[] = [];
  const decoder = new InstructionDecoder((i) => instructions.push(i));
  try {
    for (const chunk of input.chunks) decoder.push(chunk);
    decoder.finish();
    return { instructions };
  } catch (error) {
    return { instructions, error: message(error) };
  }
}

/** How an upstream parser's output compares with ours, instruction by instruction. */
export interface Agreement {
  readonly parser: string;
  readonly instructions: number;
  readonly reference: number;
  /** Instructions whose opcode or values differ from ours (same position). */
  readonly differing: number;
  readonly firstDifference?: string;
  readonly error?: string;
}

function show(opcode: string, args: readonly string[]): string {
  const text = JSON.stringify([opcode, ...args]);
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

/** Runs each upstream parser and feed once, untimed, and compares every instruction with ours. */
export function checkAgreement(
  input: BenchInput,
  reference: readonly Instruction[],
  ctx: CodecContext,
): Agreement[] {
  const results: Agreement[] = [];
  const upstream: [string, UpstreamParserClass][] = [
    ["lite", ctx.lite],
    ["common-js", ctx.commonJs],
  ];
  for (const [name, Parser] of upstream) {
    for (const feed of ["TextDecoder", "string_decoder"] as const) {
      let index = 0;
      let differing = 0;
      let firstDifference: string | undefined;
      const error = feedUpstream(Parser, feed, input.chunks, (opcode, args) => {
        const ours = reference[index];
        const same =
          ours !== undefined &&
          ours.opcode === opcode &&
          ours.args.length === args.length &&
          ours.args.every((value, k) => value === args[k]);
        if (!same) {
          differing++;
          firstDifference ??=
            `#${index}: ours ${ours === undefined ? "(none)" : show(ours.opcode, ours.args)}` +
            ` / theirs ${show(opcode, args)}`;
        }
        index++;
      });
      results.push({
        parser: `${name}+${feed}`,
        instructions: index,
        reference: reference.length,
        differing,
        ...(firstDifference === undefined ? {} : { firstDifference }),
        ...(error === undefined ? {} : { error }),
      });
    }
  }
  return results;
}
