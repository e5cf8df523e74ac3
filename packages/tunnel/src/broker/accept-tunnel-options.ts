import type { GuacamoleLimits, Instruction } from "@guacstream/codec";
import type { GuacdDuplex } from "@guacstream/codec/client";
import type { TunnelError } from "../base/errors.ts";
import type { BridgeOptions } from "../bridge/options.ts";
import type { GuacdPool } from "../scale/pool.ts";
import type { SessionDirectory } from "../scale/session-directory.ts";
import type { TunnelTokenOptions } from "./open-tunnel-token.ts";
import type { SessionRecorderStream } from "./recorder.ts";
import type { BrowserSetting, ConnectionSettings } from "./settings.ts";
import type { OpenedToken } from "./token.ts";
import type { TunnelEvent, TunnelInfo } from "./tunnel-event.ts";

/**
 * Options of {@link acceptTunnel}.
 */
export interface AcceptTunnelOptions extends Omit<BridgeOptions, "uuid">, TunnelTokenOptions {
  /**
   * Opens a byte connection to guacd (e.g. `connect` of `@guacstream/transport-node` or
   * `@guacstream/transport-deno`). Called only after the token is accepted.
   */
  connect?: (settings: ConnectionSettings) => Promise<GuacdDuplex>;
  /**
   * Several guacd instead of `connect`: a new session goes to the endpoint the pool picks (token
   * `labels` narrow it; a failed connect moves on to the next endpoint within
   * `handshakeTimeout`), a `join` to the endpoint that holds the connection (from `sessions`).
   */
  pool?: GuacdPool;
  /**
   * The session registry, with `pool`: each new session is recorded there (without waiting for
   * the store: an outage never stops a fresh session) and removed when it ends; a `join` is looked
   * up there (`JOIN_NOT_FOUND` 516 if no broker registered it, `REGISTRY_UNAVAILABLE` 512 if the
   * registry cannot answer).
   */
  sessions?: SessionDirectory;
  /**
   * Make every join (`join` in the token) read-only, whatever the token says.
   * @default {false}
   */
  joinReadOnly?: boolean;
  /**
   * The settings the browser may choose in the tunnel URL's query; any other is ignored.
   * @default {[]}
   */
  allow?: readonly BrowserSetting[];
  /**
   * Milliseconds for the whole guacd handshake.
   * @default {15000}
   */
  handshakeTimeout?: number;
  /**
   * Limits for the handshake and the bridge.
   * @default {DEFAULT_LIMITS}
   */
  limits?: Partial<GuacamoleLimits>;
  /**
   * Extra browser → guacd object filters chosen per tunnel, after the token is opened (e.g. by
   * user). Read-only is decided fail-closed before them, on bytes: a token gets full control only
   * with `readOnly` absent or a real `false` (a token with any other value is refused).
   */
  filters?: (info: TunnelInfo) => readonly TransformStream<Instruction, Instruction>[];
  /**
   * Where to record the session (a `.guac` file); `undefined` records nothing. The sink is closed
   * when the tunnel ends. A callback that throws refuses the tunnel (1011), and a sink that
   * fails ends the session (`RECORDING_FAILED`, 1011): a recording never fails silently. Return
   * a {@link SessionRecorderStream} for its options: the browser's keys (`includeKeys`), a byte
   * cap, a free-space floor and a metadata sidecar.
   */
  record?: (info: TunnelInfo) => WritableStream<Uint8Array> | SessionRecorderStream | undefined;
  /**
   * The token, opened before the WebSocket upgrade with {@link openTunnelToken} (replay claimed
   * there): the tunnel does not open it again.
   */
  token?: OpenedToken;
  /**
   * The tunnel was refused before the upgrade (its token, a cap, a drain): the socket is closed
   * with this error's status at once, never read, and dropped after `closeGrace`.
   */
  refusal?: TunnelError;
  /** Called at each step of the tunnel's life. */
  onEvent?: (event: TunnelEvent) => void;
}
