import {
  encodeInstruction,
  type Instruction,
  InstructionDecoder,
  InstructionEncoderStream,
  InstructionFrameStream,
} from "@guacstream/codec";
import type { SocketAdapter } from "./_socket.ts";
import type { BridgeOptions, BridgeResult, GuacdByteDuplex } from "./bridge.ts";
import { closeCodeFor } from "./close.ts";
import { TunnelError } from "./errors.ts";

const PING = "ping";
const SUCCESS = 0x0000;
const UPSTREAM_ERROR = 0x0203;
const SERVER_ERROR = 0x0200;
const TAIL_BYTES = 65536;

/** The bridge over an adapter that may have been listening since the socket was accepted. */
export async function runBridge(
  socket: SocketAdapter,
  guacd: GuacdByteDuplex,
  options: BridgeOptions,
): Promise<BridgeResult> {
  const highWater = options.highWaterMark ?? 1 << 20;
  const maxInput = options.maxInputBytes ?? 1 << 20;
  const limits = options.limits ?? {};
  const stop = new AbortController();
  let initiator: BridgeResult["initiator"] | undefined;
  let failure: Error | undefined;
  let failureStatus = SERVER_ERROR;
  let bytesToBrowser = 0;
  let instructionsToGuacd = 0;

  // False once the way to guacd failed or closed: later browser input is dropped.
  let inputOpen = true;
  let inputFailure: Error | undefined;
  const end = (who: BridgeResult["initiator"], error?: Error, status?: number): void => {
    if (initiator !== undefined) return;
    initiator = who;
    failure = error;
    if (status !== undefined) failureStatus = status;
    stop.abort(error ?? new Error(`Tunnel ended by ${who}`));
  };

  if (!(await socket.opened)) {
    await Promise.allSettled([guacd.readable.cancel(), guacd.writable.abort()]);
    const closed = await socket.closed;
    return {
      initiator: "browser",
      status: SUCCESS,
      closeCode: closed.code,
      error: undefined,
      bytesToBrowser,
      instructionsToGuacd,
    };
  }
  socket.send(encodeInstruction({ opcode: "", args: [options.uuid ?? crypto.randomUUID()] }));

  // Browser → guacd: each message decoded with the codec's limits, internal instructions handled
  // here, the rest queued (sized in characters) for the filters and the encoder.
  let input!: ReadableStreamDefaultController<Instruction>;
  let paused = false;
  const inbound = new ReadableStream<Instruction>(
    {
      start: (c) => {
        input = c;
      },
      pull: () => {
        if (paused) {
          paused = false;
          socket.ws.resume?.();
        }
      },
    },
    { highWaterMark: maxInput, size: instructionSize },
  );
  const batch: Instruction[] = [];
  const decoder = new InstructionDecoder((instruction) => batch.push(instruction), { limits });
  const encoder = new TextEncoder();
  socket.listen((data) => {
    if (initiator !== undefined) return;
    if (typeof data !== "string") {
      const error = new TunnelError(
        "BAD_INSTRUCTION",
        "Cannot accept message: the tunnel carries text messages only",
        { status: 0x030f },
      );
      return end("error", error, error.status);
    }
    batch.length = 0;
    try {
      decoder.push(encoder.encode(data));
      if (decoder.bufferedBytes !== 0) {
        throw new TunnelError(
          "BAD_INSTRUCTION",
          "Cannot accept message: it ends inside an instruction",
        );
      }
    } catch (cause) {
      const error =
        cause instanceof TunnelError
          ? cause
          : new TunnelError("BAD_INSTRUCTION", "Cannot accept message: it is not valid Guacamole", {
              cause,
            });
      return end("error", error, error.status);
    }
    for (const instruction of batch) {
      if (instruction.opcode === "") {
        if (instruction.args[0] === PING && instruction.args.length === 2) {
          socket.send(encodeInstruction(instruction));
        }
        continue;
      }
      if (!inputOpen) continue;
      try {
        input.enqueue(instruction);
      } catch {
        inputOpen = false; // the way to guacd closed; its rejection settles the tunnel
      }
    }
    if (!inputOpen) return;
    const room = input.desiredSize ?? 0;
    if (room <= 0 && socket.ws.pause !== undefined && !paused) {
      paused = true;
      socket.ws.pause();
    } else if (room < -maxInput) {
      const error = new TunnelError(
        "OVERRUN",
        `Cannot accept message: more than ${maxInput * 2} characters wait for guacd`,
      );
      end("error", error, error.status);
    }
  });

  let toGuacd: ReadableStream<Instruction> = inbound;
  for (const filter of options.fromBrowser ?? []) toGuacd = toGuacd.pipeThrough(filter);
  const counted = new TransformStream<Instruction, Instruction>({
    transform(instruction, controller) {
      instructionsToGuacd++;
      controller.enqueue(instruction);
    },
  });
  const inboundDone = toGuacd
    .pipeThrough(counted)
    .pipeThrough(new InstructionEncoderStream({ limits }))
    .pipeTo(guacd.writable, { signal: stop.signal })
    .then(
      () => end("browser"),
      (error: unknown) => {
        // A write that fails because guacd just closed (a late `sync` echo) is no verdict: the
        // browser's input is dropped from now on, and the tunnel ends when guacd's last bytes
        // (its `error` or `disconnect`) have reached the browser, with guacd's status.
        if (initiator === undefined) {
          inputFailure = asError(error);
          inputOpen = false;
        }
      },
    );

  // guacd → browser: framed, the last chunks kept (by reference) to find guacd's final `error`.
  const tail: Uint8Array[] = [];
  let tailBytes = 0;
  const keepTail = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      tail.push(chunk);
      tailBytes += chunk.byteLength;
      while (tail.length > 1 && tailBytes - tail[0]!.byteLength >= TAIL_BYTES) {
        tailBytes -= tail.shift()!.byteLength;
      }
      controller.enqueue(chunk);
    },
  });
  let fromGuacd = guacd.readable
    .pipeThrough(new InstructionFrameStream({ coalesce: true, limits }))
    .pipeThrough(keepTail);
  for (const stage of options.fromGuacd ?? []) fromGuacd = fromGuacd.pipeThrough(stage);
  const text = new TextDecoder();
  const lowWater = highWater >> 1;
  const sink = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (!socket.isOpen) throw new Error("Cannot send to the browser: the WebSocket closed");
      socket.send(text.decode(chunk));
      bytesToBrowser += chunk.byteLength;
      if (socket.ws.bufferedAmount > highWater && !(await socket.drained(lowWater))) {
        throw new Error("Cannot send to the browser: the WebSocket closed");
      }
    },
  });
  const outboundDone = fromGuacd.pipeTo(sink, { signal: stop.signal }).then(
    () => end("guacd"),
    (error: unknown) => {
      if (initiator !== undefined) return;
      // A reset right after guacd said goodbye is still guacd ending the session.
      if (guacdEnded(tail)) end("guacd");
      else end("error", inputFailure ?? asError(error), UPSTREAM_ERROR);
    },
  );

  const onAbort = (): void => end("aborted");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const browserClosed = socket.closed.then((info) => {
    end("browser");
    return info;
  });

  if (!stop.signal.aborted) {
    await new Promise((resolve) => stop.signal.addEventListener("abort", resolve));
  }
  options.signal?.removeEventListener("abort", onAbort);
  await Promise.allSettled([inboundDone, outboundDone]);
  try {
    input.close();
  } catch {
    // Already closed or errored by the pipe.
  }

  let status: number;
  if (initiator === "guacd") status = guacdStatus(tail);
  else if (initiator === "error") status = failureStatus;
  else status = SUCCESS;
  let closeCode: number;
  if (socket.isOpen) {
    closeCode = initiator === "aborted" ? 1001 : closeCodeFor(status);
    const reason = failure instanceof TunnelError ? failure.closeReason : String(status);
    socket.close(closeCode, reason);
  } else {
    closeCode = (await browserClosed).code;
  }
  return {
    initiator: initiator ?? "error",
    status,
    closeCode,
    error: failure,
    bytesToBrowser,
    instructionsToGuacd,
  };
}

/** The status of the last `error` instruction in guacd's final bytes, or SUCCESS. */
function guacdStatus(tail: readonly Uint8Array[]): number {
  return scanTail(tail).status;
}

/** Whether guacd's final bytes end the session (`disconnect` or `error`). */
function guacdEnded(tail: readonly Uint8Array[]): boolean {
  return scanTail(tail).ended;
}

function scanTail(tail: readonly Uint8Array[]): { status: number; ended: boolean } {
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
    for (const chunk of tail) decoder.push(chunk);
  } catch {
    // The tail holds whole instructions by construction; a filter that broke that is not fatal here.
  }
  return { status, ended };
}

function instructionSize(instruction: Instruction): number {
  let size = instruction.opcode.length + 4;
  for (const arg of instruction.args) size += arg.length + 4;
  return size;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
