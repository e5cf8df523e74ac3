import {
  BlobBytesDecoder,
  GuacamoleProtocolError,
  type InstructionOrBlob,
} from "@guacstream/codec";
import type { DisplayError } from "../display-error.ts";
import { HeadlessDisplay } from "../headless-display.ts";
import { createImageDecoder } from "../image/image-decoder.ts";
import type { ImageDecoder, RgbaImage } from "../image/rgba-image.ts";
import { chunksOf } from "./_chunks.ts";

/**
 * Bytes of a `.guac` recording, in chunks of any size.
 */
export type RecordingSource =
  | ReadableStream<Uint8Array>
  | Iterable<Uint8Array>
  | AsyncIterable<Uint8Array>;

/**
 * One rendered picture of a recording.
 */
export interface RecordingFrame {
  /**
   * When it shows, in milliseconds from the recording's first `sync`: the requested time for
   * `at`, the frame's own `sync` time for `everyFrame`.
   */
  readonly time: number;
  /** The display's frame count when it was taken (0: nothing shown yet). */
  readonly frame: number;
  /** The whole display, straight-alpha RGBA (the cursor drawn in if asked). */
  readonly image: RgbaImage;
}

/**
 * Options of {@linkcode renderRecording}.
 */
export interface RenderRecordingOptions {
  /**
   * Times to render, in milliseconds from the first `sync`: each gives the frame shown then (the
   * last whose `sync` time is not after it). Unsorted and repeated times are fine. Ignored when
   * `everyFrame` is set.
   */
  readonly at?: readonly number[];
  /**
   * Render after every frame (every `sync`).
   *
   * @default {false}
   */
  readonly everyFrame?: boolean;
  /** Decodes the recording's images. @default {createImageDecoder()} */
  readonly decoder?: ImageDecoder;
  /** Draw the cursor in. @default {true} */
  readonly cursor?: boolean;
  /** Called for each instruction the display skipped (bad arguments, undecodable images, ...). */
  readonly onError?: (error: DisplayError) => void;
  /** Stops rendering; the generator then throws the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * Plays a `.guac` recording (guacd's own `recording-path` files, or the broker's
 * `SessionRecorderStream`: both are the instruction stream guacd sends a client) through a
 * {@linkcode HeadlessDisplay} and yields pictures of it: at the requested times, or after every
 * frame. Time comes from the `sync` timestamps (guacd's milliseconds), not from the wall clock,
 * so rendering runs as fast as the images decode.
 *
 * A recording cut inside its last instruction (a session that ended abruptly) renders up to
 * there; malformed bytes elsewhere end it with the codec's `GuacamoleProtocolError`. Bad drawing
 * instructions are skipped by the display and reported to `onError`. Frames of an empty (0×0)
 * display are not yielded.
 *
 * @example Render the frame shown 1 s into a recording
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderRecording } from "@guacstream/display";
 *
 * const recording = new TextEncoder().encode(
 *   "4.size,1.0,1.2,1.1;4.rect,1.0,1.0,1.0,1.1,1.1;5.cfill,2.14,1.0,3.255,1.0,1.0,3.255;" +
 *     "4.sync,4.5000;5.cfill,2.14,1.0,1.0,1.0,3.255,3.255;4.sync,4.7000;",
 * );
 * const frames = [];
 * for await (const frame of renderRecording([recording], { at: [1000, 2500] })) frames.push(frame);
 * assert.deepEqual(frames.map((f) => [f.time, f.frame, [...f.image.data.subarray(0, 4)]]), [
 *   [1000, 1, [255, 0, 0, 255]],
 *   [2500, 2, [0, 0, 255, 255]],
 * ]);
 * ```
 */
export async function* renderRecording(
  source: RecordingSource,
  options: RenderRecordingOptions = {},
): AsyncGenerator<RecordingFrame> {
  const display = new HeadlessDisplay({
    decoder: options.decoder ?? createImageDecoder(),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  const everyFrame = options.everyFrame ?? false;
  const wanted = everyFrame ? [] : [...new Set(options.at ?? [])].sort((a, b) => a - b);
  const cursor = options.cursor ?? true;
  const signal = options.signal;
  let start: number | undefined;
  let queue: InstructionOrBlob[] = [];
  // Image payloads go from the file's bytes to the decoder without a base64 string.
  const decoder = new BlobBytesDecoder((instruction) => queue.push(instruction));

  const picture = async (time: number): Promise<RecordingFrame | undefined> => {
    await display.settled();
    if (display.width === 0 || display.height === 0) return undefined;
    return { time, frame: display.frameCount, image: display.screenshot({ cursor }) };
  };

  const play = async function* (instructions: InstructionOrBlob[]): AsyncGenerator<RecordingFrame> {
    for (const instruction of instructions) {
      if (instruction.opcode === "sync") {
        const timestamp = Number(instruction.args[0]);
        if (Number.isFinite(timestamp)) {
          start ??= timestamp;
          const time = timestamp - start;
          // The frame shown until now is the one for every requested time before this sync.
          while (wanted.length > 0 && (wanted[0] as number) < time) {
            const frame = await picture(wanted.shift() as number);
            if (frame !== undefined) yield frame;
          }
          display.apply(instruction);
          if (everyFrame) {
            const frame = await picture(time);
            if (frame !== undefined) yield frame;
          } else {
            // Back-pressure: a recording's images decode a frame at a time, not all at once.
            await display.settled();
          }
          if (!everyFrame && wanted.length === 0 && options.at !== undefined) return;
          continue;
        }
      }
      display.apply(instruction);
    }
  };

  for await (const chunk of chunksOf(source)) {
    signal?.throwIfAborted();
    decoder.push(chunk);
    const batch = queue;
    queue = [];
    for await (const frame of play(batch)) {
      yield frame;
      signal?.throwIfAborted();
    }
    if (!everyFrame && options.at !== undefined && wanted.length === 0) return;
  }
  try {
    decoder.finish();
  } catch (error) {
    if (!(error instanceof GuacamoleProtocolError && error.code === "TRUNCATED")) throw error;
  }
  for await (const frame of play(queue)) yield frame;
  // Times after the last sync see the last frame.
  for (const time of wanted) {
    const frame = await picture(time);
    if (frame !== undefined) yield frame;
  }
}
