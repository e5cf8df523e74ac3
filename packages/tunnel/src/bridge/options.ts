import type { GuacamoleLimits, Instruction } from "@guacstream/codec";

/**
 * Options of {@link bridgeTunnel}.
 */
export interface BridgeOptions {
  /**
   * The tunnel UUID sent to the browser first (guacamole-common-js's `tunnel.uuid`).
   * @default {crypto.randomUUID()}
   */
  uuid?: string;
  /**
   * Limits the browser's instructions are checked against before they reach guacd, and guacd's
   * output is framed with.
   * @default {DEFAULT_LIMITS}
   */
  limits?: Partial<GuacamoleLimits>;
  /**
   * Let only {@link VIEWER_OPCODES} reach guacd, decided on each instruction's bytes (no
   * decoding): the browser sees the session but cannot act in it.
   * @default {false}
   */
  readOnly?: boolean;
  /**
   * Object filters for the browser → guacd direction, applied in order (e.g.
   * {@link InstructionFilterStream}). Only with filters are the browser's instructions decoded
   * into objects (and encoded again); without, its validated bytes go to guacd as they are.
   */
  fromBrowser?: readonly TransformStream<Instruction, Instruction>[];
  /**
   * Stages for the guacd → browser direction, applied in order to chunks of whole instructions
   * (e.g. a {@link SessionRecorderStream}; `InstructionDecoderStream` → instruction filters →
   * `InstructionEncoderStream` to filter instructions). Each output chunk becomes one message, so a
   * stage must emit whole instructions.
   */
  fromGuacd?: readonly TransformStream<Uint8Array, Uint8Array>[];
  /**
   * The socket's `send(bytes, { binary: false })` sends the bytes as one text message, as the `ws`
   * package's does. Then guacd's output, when ASCII (VNC and RDP output nearly always is), is sent
   * as the bytes guacd wrote, instead of being decoded to a string that the socket encodes again.
   * Leave it unset for the WHATWG `WebSocket` (Deno, Bun): its `send` of bytes makes a binary
   * message, which guacamole-common-js ignores.
   * @default {false}
   */
  bytesAsText?: boolean;
  /**
   * Bytes the WebSocket may hold unsent before the tunnel stops reading guacd; it resumes at half.
   * @default {1048576}
   */
  highWaterMark?: number;
  /**
   * Bytes of browser input held while guacd is slow. A socket with `pause()` is paused at this
   * point. Twice this is the tunnel's one input budget, at every phase: past it (messages held
   * before guacd's `ready`, or queued for a slow guacd after), the tunnel is closed with 1009 /
   * CLIENT_OVERRUN; input is never dropped silently. No single message may exceed it either.
   * @default {1048576}
   */
  maxInputBytes?: number;
  /**
   * Most instructions in one browser message (guacamole-common-js sends one per message); past
   * it the tunnel is closed with 1009 / CLIENT_OVERRUN (`TOO_MANY_INSTRUCTIONS`).
   * @default {256}
   */
  maxInstructionsPerMessage?: number;
  /**
   * Most browser instructions per second, counted over all its messages (internal ones such as
   * the tunnel's ping included); past it the tunnel is closed with 1008 / CLIENT_TOO_MANY
   * (`RATE_LIMITED`). guacamole-common-js sends one instruction per message, so this is as much
   * room as `maxMessagesPerSecond` gives it; a sender that packs many into each message gets no
   * more.
   * @default {5000}
   */
  maxInstructionsPerSecond?: number;
  /**
   * Most browser messages per second; past it the tunnel is closed with 1008 /
   * CLIENT_TOO_MANY (`RATE_LIMITED`). Counted from the socket's acceptance, handshake included.
   * A browser echoes each `sync` and pings twice a second: a replay at full speed makes ~900
   * syncs a second, hence the room.
   * @default {5000}
   */
  maxMessagesPerSecond?: number;
  /**
   * Milliseconds the browser may stay silent (guacamole-common-js pings every 500 ms) before the
   * tunnel is closed with 1002 / CLIENT_TIMEOUT; `0` never.
   * @default {20000}
   */
  idleTimeout?: number;
  /**
   * Milliseconds the broker waits, after it sent its close frame, for the browser's before it
   * drops the connection (with a socket that has `terminate`, as the `ws` package's does).
   * @default {1000}
   */
  closeGrace?: number;
  /**
   * Ends the tunnel: both sides are closed, the WebSocket with 1001 (going away); aborted with a
   * `TunnelError` as its reason, with that error's status and close code instead.
   */
  signal?: AbortSignal;
}
