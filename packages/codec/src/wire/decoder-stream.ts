import { pushDecoderStream } from "./_push-decoder-stream.ts";
import { InstructionDecoder, type InstructionDecoderOptions } from "./decoder.ts";
import type { Instruction } from "./instruction.ts";

/**
 * Turns Guacamole bytes, in any chunking, into whole instructions. Malformed input, a limit
 * exceeded, or an input that ends inside an instruction errors the stream with a
 * `GuacamoleProtocolError` that carries a `code` and the byte offset.
 *
 * @example Decode a byte stream
 * ```ts
 * import assert from "node:assert/strict";
 * import { InstructionDecoderStream } from "@guacstream/codec";
 *
 * const bytes = new TextEncoder().encode("4.size,1.0,4.1024,3.768;4.sync,4.1234,1.1;");
 * const instructions = [];
 * const source = new Blob([bytes]).stream().pipeThrough(new InstructionDecoderStream());
 * for await (const instruction of source) instructions.push(instruction);
 * assert.deepEqual(instructions.map((i) => i.opcode), ["size", "sync"]);
 * assert.deepEqual(instructions[1]?.args, ["1234", "1"]);
 * ```
 */
export class InstructionDecoderStream {
  /** The output side. */
  readonly readable: ReadableStream<Instruction>;
  /** The input side. */
  readonly writable: WritableStream<Uint8Array>;
  readonly #decoder: InstructionDecoder;

  /** A decoder stream with guacd's limits, or those in `options.limits`. */
  constructor(options: InstructionDecoderOptions = {}) {
    const pair = pushDecoderStream(
      (enqueue: (item: Instruction) => void) => new InstructionDecoder(enqueue, options),
    );
    this.readable = pair.readable;
    this.writable = pair.writable;
    this.#decoder = pair.decoder;
  }

  /** Bytes of an unfinished instruction held back; never more than `maxInstructionBytes`. */
  get bufferedBytes(): number {
    return this.#decoder.bufferedBytes;
  }

  /** Bytes received so far. */
  get bytesReceived(): number {
    return this.#decoder.bytesReceived;
  }
}
