import type { Instruction } from "../wire/instruction.ts";
import type { GuacamoleLimits } from "../wire/limits.ts";
import type { DisplaySize } from "./display.ts";
import type { GuacamoleFilesystem } from "./files/filesystem.ts";

/** A `msg` from guacd (protocol 1.5.0): someone joined or left a shared connection. */
export interface GuacamoleMessage {
  /** The numeric message code (0x0001 joined, 0x0002 left). */
  readonly code: number;
  /** The code's name. */
  readonly name: "USER_JOINED" | "USER_LEFT" | "UNKNOWN";
  /** The arguments, e.g. the user's name. */
  readonly args: readonly string[];
}

/** A stream guacd opened towards the client (`clipboard`, `file`, `pipe`, `argv`, …). */
export interface GuacamoleInboundStream {
  /** The opcode that opened it. */
  readonly kind: string;
  /** Its stream index. */
  readonly index: number;
  /** The mimetype of its data. */
  readonly mimetype: string;
  /** The file or pipe name, or the parameter name for `argv`; `undefined` for `clipboard`. */
  readonly name: string | undefined;
  /** The data; each blob is acknowledged once there is room for it. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Reads the whole stream as UTF-8 text. */
  text(): Promise<string>;
}

/**
 * An ack on one of the client's streams that no transfer awaits: the epilogue of a stream
 * already ended (a refused upload's "Close failed", which guacd sends when the client ends that
 * stream or reuses its index), guacd's `Invalid stream index` answer to the extra `end` that
 * tells the client guacd is done with an index, or the ack of a stream that awaits none
 * (clipboard, answers to `required`).
 */
export interface GuacamoleLateAck {
  /** The stream index it names. */
  readonly index: number;
  /** guacd's message. */
  readonly message: string;
  /** guacd's status code. */
  readonly status: number;
  /** Whether this ack freed the index: guacd holds nothing on it any more, the client reuses it. */
  readonly released: boolean;
}

/** How a session ended. */
export interface GuacamoleCloseInfo {
  /** Who ended it: this client (`close()`), guacd (`disconnect`), or a failure. */
  readonly initiator: "client" | "guacd" | "error";
  /** What went wrong, if anything: guacd's `error` status, a protocol or connection fault. */
  readonly error: Error | undefined;
}

/** Options of {@link GuacamoleClient}. */
export interface GuacamoleClientOptions {
  /** Limits for what guacd sends and what the client sends. @default {DEFAULT_LIMITS} */
  limits?: Partial<GuacamoleLimits>;
  /**
   * Answer each `sync` with its own timestamp as instructions are read. Turn off in a broker that
   * forwards the browser's `sync`.
   * @default {true}
   */
  echoSync?: boolean;
  /**
   * Send `nop` after this many milliseconds in which nothing was sent (guacd drops a client that
   * is silent for 15 s); 0 turns it off.
   * @default {5000}
   */
  keepAliveInterval?: number;
  /** Called for each `msg` (a user joined or left). */
  onMessage?: (message: GuacamoleMessage) => void;
  /**
   * Called when guacd asks for parameters it still needs (`required`, e.g. a password); the
   * values returned are sent back as `argv` streams. Names left out are not sent.
   */
  onRequired?: (
    names: readonly string[],
  ) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  /** Called for each stream guacd opens; without it, streams are refused as unsupported. */
  onStream?: (stream: GuacamoleInboundStream) => void;
  /** Instructions read ahead of the application. @default {64} */
  readAhead?: number;
  /** Called when guacd reports a new size of the default layer (after `resize`, or its own). */
  onSize?: (size: DisplaySize) => void;
  /**
   * Called with every instruction guacd sends after `ready`, as it is read and before the
   * application sees it: how a display (`@guacstream/display`'s `HeadlessDisplay.apply`) follows
   * the session while the application reads it too. Must not throw.
   */
  onInstruction?: (instruction: Instruction) => void;
  /** Called for each filesystem guacd exposes (SFTP, an RDP drive). */
  onFilesystem?: (filesystem: GuacamoleFilesystem) => void;
  /**
   * Called for each ack on one of the client's streams that no transfer awaits. The acks of the
   * client's streams are not in `client.instructions` (`onInstruction` still sees them): their
   * outcome is what the transfer returns, and on an index guacd still holds for an ended stream
   * they would read as the answers to the next stream there.
   */
  onLateAck?: (ack: GuacamoleLateAck) => void;
}
