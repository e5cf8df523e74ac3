import { InstructionScanner } from "./_scanner.ts";
import { type GuacamoleLimits, resolveLimits } from "./limits.ts";

/** Options of {@link InstructionFramer}. */
export interface InstructionFramerOptions {
  /**
   * Limits checked as the bytes arrive; unset fields take guacd's values.
   * @default {DEFAULT_LIMITS}
   */
  limits?: Partial<GuacamoleLimits>;
}

/**
 * Receives each whole instruction as `bytes[start..end)`, its exact bytes. When `copied` is false,
 * `bytes` is the chunk that was pushed; when true, it is the framer's own buffer, which is reused
 * after the call returns: copy what you keep. `ascii` is true when every byte of the instruction is
 * known to be ASCII (the framer checks each pushed chunk once; a broker can then send the bytes as
 * text without decoding them); false means "not known", never "not ASCII".
 */
export type FrameCallback = (
  bytes: Uint8Array,
  start: number,
  end: number,
  copied: boolean,
  ascii: boolean,
) => void;

/**
 * The runtime-free framing core: finds where each instruction starts and ends without turning any
 * element into a string. {@link InstructionFrameStream} is this as a transform stream.
 *
 * @example Find instruction boundaries
 * ```ts
 * import assert from "node:assert/strict";
 * import { InstructionFramer } from "@guacstream/codec";
 *
 * const frames: string[] = [];
 * const framer = new InstructionFramer((bytes, start, end) => {
 *   frames.push(new TextDecoder().decode(bytes.subarray(start, end)));
 * });
 * framer.push(new TextEncoder().encode("3.nop;4.sync,1.4;"));
 * framer.finish();
 * assert.deepEqual(frames, ["3.nop;", "4.sync,1.4;"]);
 * ```
 */
export class InstructionFramer {
  readonly #scanner: InstructionScanner;

  /** A framer that calls `onFrame` with each whole instruction's bytes, in order. */
  constructor(onFrame: FrameCallback, options: InstructionFramerOptions = {}) {
    this.#scanner = new InstructionScanner(resolveLimits(options.limits), {
      kind: "frame",
      frame: onFrame,
    });
  }

  /** Frames a chunk. Throws a `GuacamoleProtocolError` on malformed input, and on every later call. */
  push(chunk: Uint8Array): void {
    this.#scanner.push(chunk);
  }

  /** Ends the input. Throws `GuacamoleProtocolError` (`TRUNCATED`) if it ended mid-instruction. */
  finish(): void {
    this.#scanner.finish();
  }

  /** Bytes of an unfinished instruction held back; never more than `maxInstructionBytes`. */
  get bufferedBytes(): number {
    return this.#scanner.bufferedBytes;
  }

  /** Bytes pushed so far. */
  get bytesReceived(): number {
    return this.#scanner.streamLength;
  }
}
