import { decodeInstruction, type GuacamoleLimits, InstructionFramer } from "@guacstream/codec";
import { TunnelError } from "../base/errors.ts";
import { PerSecondCount } from "./_per-second.ts";
import { VIEWER_OPCODES } from "./filters.ts";

const DOT = 0x2e;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const VIEWER = VIEWER_OPCODES.map((opcode) => new TextEncoder().encode(opcode));

/** What {@link BrowserInput} needs from the bridge. */
export interface BrowserInputOptions {
  readonly limits: Partial<GuacamoleLimits>;
  /** Bytes queued for guacd past which the socket is paused (if it can be). */
  readonly pauseAt: number;
  /** Bytes queued for guacd past which the tunnel is closed (`OVERRUN`). */
  readonly budget: number;
  readonly maxInstructionsPerMessage: number;
  /** Instructions per second, counted over all messages; past it the tunnel closes. */
  readonly maxInstructionsPerSecond: number;
  /** Only {@link VIEWER_OPCODES} go through; the rest is dropped, decided on the frame's bytes. */
  readonly readOnly: boolean;
  /** An internal instruction (empty opcode) arrived, e.g. the tunnel's ping. */
  readonly onInternal: (frame: string) => void;
  /** Stop reading the browser; `false` if the socket cannot. */
  readonly pause: () => boolean;
  readonly resume: () => void;
}

/**
 * Browser → guacd on bytes: each message is framed (the codec's scanner checks every length,
 * element and limit) and its bytes go on to guacd as they are, or re-joined without the
 * instructions dropped; no instruction becomes an object. The queue to guacd is counted in bytes
 * against one budget.
 */
export class BrowserInput {
  /** The validated bytes for guacd. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Instructions queued for guacd so far. */
  forwarded = 0;
  /** Bytes of whole instructions queued for guacd (what metrics report as sent to guacd). */
  bytesToGuacd = 0;
  readonly #options: BrowserInputOptions;
  readonly #framer: InstructionFramer;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #open = true;
  #paused = false;
  // Per message: the kept frames as [start, end) pairs, and whether any was left out.
  readonly #kept: number[] = [];
  #spliced = false;
  #count = 0;
  readonly #instructions = new PerSecondCount();
  // When the message being read arrived: its instructions are counted then.
  #arrivedAt = 0;

  constructor(options: BrowserInputOptions) {
    this.#options = options;
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => {
          if (this.#paused) {
            this.#paused = false;
            this.#options.resume();
          }
        },
      },
      { highWaterMark: options.pauseAt, size: (chunk) => chunk.byteLength },
    );
    this.#framer = new InstructionFramer((bytes, start, end) => this.#frame(bytes, start, end), {
      limits: options.limits,
    });
  }

  /**
   * Takes one message's bytes. Throws {@link TunnelError} (`BAD_INSTRUCTION`,
   * `TOO_MANY_INSTRUCTIONS`, `RATE_LIMITED`, `OVERRUN`) when the tunnel must close. `arrivedAt`
   * is when the socket received it (`Date.now()`).
   */
  accept(message: Uint8Array, arrivedAt: number): void {
    this.#kept.length = 0;
    this.#spliced = false;
    this.#count = 0;
    this.#arrivedAt = arrivedAt;
    try {
      this.#framer.push(message);
    } catch (cause) {
      if (cause instanceof TunnelError) throw cause;
      throw new TunnelError("BAD_INSTRUCTION", "Cannot accept message: it is not valid Guacamole", {
        cause,
      });
    }
    if (this.#framer.bufferedBytes !== 0) {
      throw new TunnelError(
        "BAD_INSTRUCTION",
        "Cannot accept message: it ends inside an instruction",
      );
    }
    if (!this.#open || this.#kept.length === 0) return;
    const out = this.#spliced ? join(message, this.#kept) : message;
    this.forwarded += this.#kept.length >> 1;
    try {
      this.#controller.enqueue(out);
      this.bytesToGuacd += out.byteLength;
    } catch {
      this.#open = false; // the way to guacd closed; its rejection settles the tunnel
      return;
    }
    const queued = this.#options.pauseAt - (this.#controller.desiredSize ?? 0);
    if (queued > this.#options.budget) {
      throw new TunnelError(
        "OVERRUN",
        `Cannot accept message: more than ${this.#options.budget} bytes wait for guacd`,
      );
    }
    if (queued >= this.#options.pauseAt && !this.#paused) this.#paused = this.#options.pause();
  }

  /** No more input: later messages are dropped (the tunnel is ending). */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    try {
      this.#controller.close();
    } catch {
      // Already closed or errored by the pipe.
    }
  }

  #frame(bytes: Uint8Array, start: number, end: number): void {
    if (++this.#count > this.#options.maxInstructionsPerMessage) {
      throw new TunnelError(
        "TOO_MANY_INSTRUCTIONS",
        `Cannot accept message: more than ${this.#options.maxInstructionsPerMessage} instructions`,
      );
    }
    // Several instructions a message, each message under the message rate, still add up: a
    // browser's instructions reach guacd at most this fast.
    if (this.#instructions.add(this.#arrivedAt) > this.#options.maxInstructionsPerSecond) {
      throw new TunnelError(
        "RATE_LIMITED",
        `Cannot accept message: more than ${this.#options.maxInstructionsPerSecond} instructions per second`,
      );
    }
    // The scanner has checked the frame: digits, a dot, then the opcode's code points.
    let i = start;
    let length = 0;
    while (bytes[i] !== DOT) length = length * 10 + bytes[i++]! - 0x30;
    const opcodeStart = i + 1;
    if (length === 0) {
      this.#spliced = true;
      this.#options.onInternal(new TextDecoder().decode(bytes.subarray(start, end)));
      return;
    }
    if (this.#options.readOnly && !isViewerOpcode(bytes, opcodeStart, length)) {
      this.#spliced = true;
      return;
    }
    this.#kept.push(start, end);
  }
}

/** Whether the opcode at `start` (`length` code points) is one of {@link VIEWER_OPCODES}. */
function isViewerOpcode(bytes: Uint8Array, start: number, length: number): boolean {
  const after = bytes[start + length];
  // A non-ASCII opcode has more bytes than code points, so it ends elsewhere: never a viewer's.
  if (after !== COMMA && after !== SEMICOLON) return false;
  next: for (const opcode of VIEWER) {
    if (opcode.length !== length) continue;
    for (let k = 0; k < length; k++) if (bytes[start + k] !== opcode[k]) continue next;
    return true;
  }
  return false;
}

function join(message: Uint8Array, ranges: readonly number[]): Uint8Array {
  let size = 0;
  for (let k = 0; k < ranges.length; k += 2) size += ranges[k + 1]! - ranges[k]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (let k = 0; k < ranges.length; k += 2) {
    out.set(message.subarray(ranges[k]!, ranges[k + 1]!), offset);
    offset += ranges[k + 1]! - ranges[k]!;
  }
  return out;
}

/** The instruction in an internal frame, or `undefined` if it does not decode as text. */
export function decodeInternal(
  frame: string,
): { opcode: string; args: readonly string[] } | undefined {
  try {
    return decodeInstruction(frame);
  } catch {
    return undefined;
  }
}
