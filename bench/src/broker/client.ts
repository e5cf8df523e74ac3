/**
 * The WebSocket client of the broker section, the same in front of every relay: a `ws` client that
 * reads every message, frames its instructions, echoes each `sync` as guacamole-common-js does,
 * and turns each `bench-mark` into a latency sample. In front of the floor relay (which does not
 * speak Guacamole) it does the guacd handshake itself.
 */
import { encodeInstruction, InstructionFramer } from "@guacstream/codec";
import { WebSocket } from "ws";
import { firstNumber, MARK_OPCODE, opcodePrefix, startsWith, wallMicros } from "./mark.ts";

const SYNC = opcodePrefix("sync");
const MARK = opcodePrefix(MARK_OPCODE);
const ARGS = opcodePrefix("args");
const ERROR = opcodePrefix("error");
/** The first instruction a browser gets once the session is up: the tunnel's UUID, or `ready`. */
const UUID = opcodePrefix("");
const READY = opcodePrefix("ready");
const decoder = new TextDecoder();

/** What every session of a run adds to. */
export interface LoadCounters {
  /** Bytes of Guacamole instructions received, all sessions. */
  bytes: number;
  messages: number;
  /** Latency samples (µs), while `recording`. */
  latencies: number[];
  recording: boolean;
  errors: string[];
}

/** Fresh counters for one run. */
export function newCounters(): LoadCounters {
  return { bytes: 0, messages: 0, latencies: [], recording: false, errors: [] };
}

/** The handshake a client does itself through the floor relay. */
export interface DirectHandshake {
  readonly hostname: string;
}

/** One browser-like session. `ready` resolves when the relay says the session is up. */
export class LoadSession {
  readonly ready: Promise<void>;
  readonly #ws: WebSocket;
  readonly #framer: InstructionFramer;

  /**
   * `hold`: stop reading once the session is up, until {@link resume} (so a fast replay does not
   * load the relay while later sessions are still opening).
   */
  constructor(url: string, counters: LoadCounters, direct?: DirectHandshake, hold = false) {
    let markReady: () => void = () => {};
    let failReady: (e: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    let handshaking = direct !== undefined;
    const ws = new WebSocket(url, "guacamole", { perMessageDeflate: false });
    this.#ws = ws;
    this.#framer = new InstructionFramer((bytes, start, end) => {
      if (startsWith(bytes, start, end, SYNC)) {
        const ts = firstNumber(bytes, start + SYNC.length, end);
        ws.send(encodeInstruction({ opcode: "sync", args: [String(ts)] }));
      } else if (startsWith(bytes, start, end, MARK)) {
        if (counters.recording) {
          counters.latencies.push(wallMicros() - firstNumber(bytes, start + MARK.length, end));
        }
      } else if (handshaking && startsWith(bytes, start, end, ARGS)) {
        handshaking = false;
        this.#handshake(decoder.decode(bytes.subarray(start, end)), direct!);
      } else if (startsWith(bytes, start, end, UUID) || startsWith(bytes, start, end, READY)) {
        if (hold) ws.pause();
        markReady();
      } else if (startsWith(bytes, start, end, ERROR)) {
        const text = decoder.decode(bytes.subarray(start, Math.min(end, start + 120)));
        counters.errors.push(text);
        failReady(new Error(`Cannot open the session: ${text}`));
      }
    });
    ws.on("open", () => {
      if (direct !== undefined) ws.send(encodeInstruction({ opcode: "select", args: ["vnc"] }));
    });
    ws.on("message", (data: Buffer) => {
      counters.bytes += data.byteLength;
      counters.messages++;
      try {
        this.#framer.push(data);
      } catch (error) {
        counters.errors.push(String(error));
        ws.terminate();
      }
    });
    ws.on("error", (error) => {
      counters.errors.push(error.message);
      failReady(error);
    });
    ws.on("close", (code) => failReady(new Error(`Cannot open the session: closed ${code}`)));
  }

  /** Answers `args` as a broker would: size, formats, then `connect` with guacd's own order. */
  #handshake(argsText: string, direct: DirectHandshake): void {
    const names = argsText
      .slice(0, -1)
      .split(",")
      .slice(1)
      .map((element) => element.slice(element.indexOf(".") + 1));
    const values = names.map((name) =>
      name.startsWith("VERSION_")
        ? name
        : name === "hostname"
          ? direct.hostname
          : name === "port"
            ? "5900"
            : "",
    );
    const send = (opcode: string, args: string[]): void =>
      this.#ws.send(encodeInstruction({ opcode, args }));
    send("size", ["1024", "768", "96"]);
    send("audio", []);
    send("video", []);
    send("image", ["image/png", "image/jpeg"]);
    send("connect", values);
  }

  /** Reads again after a `hold`. */
  resume(): void {
    this.#ws.resume();
  }

  close(): void {
    this.#ws.terminate();
  }
}
