import {
  type GuacamoleLimits,
  InstructionDecoder,
  InstructionFrameStream,
} from "@guacstream/codec";
import type { SocketAdapter } from "./_socket.ts";

const SUCCESS = 0x0000;
const SERVER_ERROR = 0x0200;
const TAIL_BYTES = 65536;

/**
 * guacd → browser: framed into messages of whole instructions, sent while the WebSocket's buffer
 * is under the high-water mark; the last 64 KiB kept (by reference) to find guacd's final `error`.
 */
export class GuacdOutput {
  /** Bytes of guacd output sent to the browser. */
  bytesToBrowser = 0;
  readonly #tail: Uint8Array[] = [];
  #tailBytes = 0;

  /** Runs the pipe until guacd ends, the browser goes, a stage fails or `signal` aborts. */
  pipe(
    socket: SocketAdapter,
    readable: ReadableStream<Uint8Array>,
    stages: readonly TransformStream<Uint8Array, Uint8Array>[],
    options: { limits: Partial<GuacamoleLimits>; highWaterMark: number; signal: AbortSignal },
  ): Promise<void> {
    const keepTail = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        this.#keep(chunk);
        controller.enqueue(chunk);
      },
    });
    let stream = readable
      .pipeThrough(new InstructionFrameStream({ coalesce: true, limits: options.limits }))
      .pipeThrough(keepTail);
    for (const stage of stages) stream = stream.pipeThrough(stage);
    const text = new TextDecoder();
    const highWater = options.highWaterMark;
    const lowWater = highWater >> 1;
    const sink = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        if (!socket.isOpen) throw new Error("Cannot send to the browser: the WebSocket closed");
        socket.send(text.decode(chunk));
        this.bytesToBrowser += chunk.byteLength;
        if (socket.ws.bufferedAmount > highWater && !(await socket.drained(lowWater))) {
          throw new Error("Cannot send to the browser: the WebSocket closed");
        }
      },
    });
    return stream.pipeTo(sink, { signal: options.signal });
  }

  /** guacd's final word: the status of its last `error` (or SUCCESS), and whether it said goodbye. */
  lastWord(): { status: number; ended: boolean } {
    let status = SUCCESS;
    let ended = false;
    try {
      const decoder = new InstructionDecoder((instruction) => {
        if (instruction.opcode === "error") {
          const code = Number.parseInt(instruction.args[1] ?? "", 10);
          status = Number.isNaN(code) ? SERVER_ERROR : code;
          ended = true;
        } else if (instruction.opcode === "disconnect") {
          ended = true;
        }
      });
      for (const chunk of this.#tail) decoder.push(chunk);
    } catch {
      // The tail holds whole instructions by construction; a stage that broke that is not fatal.
    }
    return { status, ended };
  }

  #keep(chunk: Uint8Array): void {
    const tail = this.#tail;
    tail.push(chunk);
    this.#tailBytes += chunk.byteLength;
    while (tail.length > 1 && this.#tailBytes - tail[0]!.byteLength >= TAIL_BYTES) {
      this.#tailBytes -= tail.shift()!.byteLength;
    }
  }
}
