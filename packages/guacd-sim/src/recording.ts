import { GUACAMOLE_STATUS } from "@guacstream/codec/client";
import { WireScanner } from "./_wire.ts";
import { WireError } from "./_wire-error.ts";
import { SimulatorError } from "./errors.ts";

const decoder = new TextDecoder();
const cache = new WeakMap<Uint8Array, Recording>();

/**
 * A guacd-to-client recording (`*.s2c.guac`) framed once on bytes, ready to replay without decoding
 * its blobs. The replay window skips the recording's own handshake (`args`, `ready`) and a trailing
 * client-timeout abort (`error …,776` + `disconnect`), which the simulator produces live instead.
 *
 * @example Frame a tiny recording
 * ```ts
 * import assert from "node:assert/strict";
 * import { Recording } from "@guacstream/guacd-sim";
 * const text = "4.args,1.x;5.ready,2.$1;4.sync,2.10,1.0;10.disconnect;";
 * const recording = Recording.from(new TextEncoder().encode(text));
 * assert.equal(recording.count, 4);
 * assert.equal(recording.replayStart, 2);
 * assert.equal(recording.endsWithDisconnect, true);
 * ```
 */
export class Recording {
  /** The recording's bytes, as given. */
  readonly bytes: Uint8Array;
  /** Byte offset where each instruction starts. */
  readonly starts: Uint32Array;
  /** Byte offset just past each instruction's `;`. */
  readonly ends: Uint32Array;
  /** Each instruction's opcode. */
  readonly opcodes: readonly string[];
  /** Each instruction's `sync` timestamp (ms), NaN for other opcodes. */
  readonly syncTimestamps: Float64Array;
  /** Each `sync` instruction's frame count element, "" for other opcodes. */
  readonly syncFrames: readonly string[];
  /** Each instruction's elements after the opcode, decoded, for instructions under 256 bytes only. */
  readonly smallArgs: readonly (readonly string[] | undefined)[];
  /** Index of the first instruction to replay (after `ready`, or after a leading `args`). */
  readonly replayStart: number;
  /** Index after the last instruction to replay (a trailing client-timeout abort is left out). */
  readonly replayEnd: number;
  /** Whether the replay window ends with `disconnect`. */
  readonly endsWithDisconnect: boolean;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    const starts: number[] = [];
    const ends: number[] = [];
    const opcodes: string[] = [];
    const syncs: number[] = [];
    const frames: string[] = [];
    const small: (string[] | undefined)[] = [];
    const scanner = new WireScanner();
    try {
      for (;;) {
        const end = scanner.scan(bytes, bytes.length);
        if (end < 0) break;
        const s = scanner.starts;
        const e = scanner.ends;
        const opcode = decoder.decode(bytes.subarray(s[0]!, e[0]!));
        starts.push(scanner.instructionStart);
        ends.push(end);
        opcodes.push(opcode);
        if (end - scanner.instructionStart < 256) {
          const args: string[] = [];
          for (let k = 1; k < s.length; k++)
            args.push(decoder.decode(bytes.subarray(s[k]!, e[k]!)));
          small.push(args);
          syncs.push(opcode === "sync" ? Number(args[0]) : Number.NaN);
          frames.push(opcode === "sync" ? (args[1] ?? "0") : "");
        } else {
          small.push(undefined);
          syncs.push(Number.NaN);
          frames.push("");
        }
        scanner.next(end);
      }
    } catch (error) {
      if (error instanceof WireError) {
        throw new SimulatorError("bad-recording", `Cannot frame recording: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    this.starts = Uint32Array.from(starts);
    this.ends = Uint32Array.from(ends);
    this.opcodes = opcodes;
    this.syncTimestamps = Float64Array.from(syncs);
    this.syncFrames = frames;
    this.smallArgs = small;

    const ready = opcodes.indexOf("ready");
    let start = ready >= 0 ? ready + 1 : 0;
    if (ready < 0 && opcodes[0] === "args") start = 1;
    let end = opcodes.length;
    // A client-timeout abort at the end is the recording client's fault, not part of the session.
    if (
      end >= 2 &&
      opcodes[end - 1] === "disconnect" &&
      opcodes[end - 2] === "error" &&
      small[end - 2]?.[1] === String(GUACAMOLE_STATUS.CLIENT_TIMEOUT)
    ) {
      end -= 2;
    }
    this.replayStart = start;
    this.replayEnd = Math.max(start, end);
    this.endsWithDisconnect =
      this.replayEnd > start && opcodes[this.replayEnd - 1] === "disconnect";
  }

  /** Frames `bytes` (cached per byte array). Throws {@linkcode SimulatorError} `bad-recording`. */
  static from(bytes: Uint8Array): Recording {
    let recording = cache.get(bytes);
    if (recording === undefined) {
      recording = new Recording(bytes);
      cache.set(bytes, recording);
    }
    return recording;
  }

  /** Number of instructions. */
  get count(): number {
    return this.opcodes.length;
  }

  /** Timestamp of the first `sync` in the replay window, or NaN. */
  get firstSync(): number {
    for (let k = this.replayStart; k < this.replayEnd; k++) {
      const ts = this.syncTimestamps[k]!;
      if (!Number.isNaN(ts)) return ts;
    }
    return Number.NaN;
  }
}
