/**
 * The web-stream plumbing the stream cases and their floors share: a source of reads, the three
 * shapes a stream yields (instructions, batches, frames) and how each is drained, and a pipe pair
 * whose outputs were made beforehand.
 */
import { type Instruction, InstructionDecoder, InstructionFramer } from "@guacstream/codec";
import { do_not_optimize } from "mitata";
import { type BenchCase, message, type Outcome } from "./case.ts";

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
export function sharesOf<T>(items: readonly T[], reads: number): ReadableStream<T> {
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
export function cutFrames(chunks: readonly Uint8Array[]): Uint8Array[] {
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
export function framesPerChunk(chunks: readonly Uint8Array[]): Uint8Array[][] {
  return perChunk<Uint8Array>(
    chunks,
    (collect) =>
      new InstructionFramer((bytes, start, end, copied) =>
        collect(copied ? bytes.slice(start, end) : bytes.subarray(start, end)),
      ),
  );
}

/** Each chunk's completed instructions, decoded. */
export function instructionsPerChunk(chunks: readonly Uint8Array[]): Instruction[][] {
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
export function prefilledPair<T>(groups: readonly (readonly T[])[]): {
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

export async function drain<T>(stream: ReadableStream<T>, each: (value: T) => void): Promise<void> {
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
export async function drainInto<T>(
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
export interface StreamShape<T> {
  /** A pass's outcome before the first chunk (NaN where the shape counts nothing). */
  fresh(): Outcome;
  consume(out: Outcome): (value: T) => void;
}

/**
 * The three stream shapes, shared by each stream case and the floors that bound it, so both pay
 * the same per chunk.
 */
/** The three stream shapes by what they yield. */
export interface Shapes {
  readonly instructions: StreamShape<Instruction>;
  readonly batches: StreamShape<Instruction[]>;
  readonly frames: StreamShape<Uint8Array>;
}

export const SHAPES: Shapes = {
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
export function pipeCase<T>(
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
