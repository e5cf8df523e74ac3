import { GuacamoleClientError, type GuacamoleLimits, type Instruction } from "@guacstream/codec";
import {
  GUACAMOLE_STATUS,
  GuacamoleClient,
  GuacamoleStatusError,
  type GuacdDuplex,
} from "@guacstream/codec/client";
import { closeQuietly } from "../base/_close-quietly.ts";
import { closeCodeFor } from "../base/close.ts";
import { TunnelError } from "../base/errors.ts";
import type { WebSocketLike } from "../base/websocket.ts";
import { Bridge, socketLimits } from "../bridge/_bridge.ts";
import { SocketAdapter } from "../bridge/_socket.ts";
import type { BridgeOptions } from "../bridge/options.ts";
import type { BridgeResult, TunnelTraffic } from "../bridge/result.ts";
import type { GuacdPool } from "../scale/pool.ts";
import type { SessionDirectory } from "../scale/session-directory.ts";
import { type GuacdRoute, routeToGuacd } from "./_guacd-route.ts";
import { SessionRecorderStream } from "./recorder.ts";
import type { ReplayGuard } from "./replay-guard.ts";
import { applyBrowserSettings, type BrowserSetting, type ConnectionSettings } from "./settings.ts";
import { type OpenedToken, openToken, type TokenKey } from "./token.ts";

/**
 * What the broker knows about a tunnel it is setting up, for {@link AcceptTunnelOptions.record}
 * and {@link AcceptTunnelOptions.onEvent}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TunnelInfo } from "@guacstream/tunnel";
 *
 * const info: TunnelInfo = { uuid: "u", tokenId: "t", connectionId: "$c", settings: { protocol: "vnc" } };
 * assert.equal(info.connectionId, "$c");
 * ```
 */
export interface TunnelInfo {
  /** The tunnel UUID sent to the browser. */
  readonly uuid: string;
  /** The token's ID. */
  readonly tokenId: string;
  /** guacd's connection ID (`$…`), which another user can join. */
  readonly connectionId: string;
  /** The settings the handshake used (token settings plus allowed browser choices). */
  readonly settings: ConnectionSettings;
  /** The pool endpoint that holds the connection (with {@link AcceptTunnelOptions.pool}). */
  readonly endpoint?: string;
}

/**
 * One step of a tunnel's life, for logs and metrics: `refused` (token or settings, before any
 * guacd connection), `failed` (guacd unreachable or the handshake failed), `open`, `closed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TunnelEvent } from "@guacstream/tunnel";
 *
 * const event: TunnelEvent = { type: "refused", code: "TOKEN_EXPIRED", status: 0x0301, closeCode: 1008 };
 * assert.equal(event.type, "refused");
 * ```
 */
export type TunnelEvent =
  | {
      readonly type: "refused";
      readonly code: string;
      /** The Guacamole status the browser was told. */
      readonly status: number;
      readonly closeCode: number;
      /** The detail, for the server's logs only (the browser gets a fixed text). */
      readonly error?: Error;
    }
  | {
      readonly type: "failed";
      readonly status: number;
      readonly closeCode: number;
      readonly error: Error;
    }
  | {
      readonly type: "open";
      readonly info: TunnelInfo;
      /** Milliseconds from the guacd connect (or the registry lookup of a join) to `ready`. */
      readonly handshakeMs: number;
      /** The tunnel's byte counts, live until it closes (read them, e.g. for metrics). */
      readonly traffic: TunnelTraffic;
    }
  | { readonly type: "closed"; readonly info: TunnelInfo; readonly result: BridgeResult };

/**
 * Options of {@link acceptTunnel}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AcceptTunnelOptions, generateTokenSecret, importTokenKey } from "@guacstream/tunnel";
 *
 * const options: AcceptTunnelOptions = {
 *   key: await importTokenKey(generateTokenSecret()),
 *   connect: () => Promise.reject(new Error("no guacd in this example")),
 *   allow: ["width", "height", "dpi", "timezone"],
 * };
 * assert.equal(options.allow?.length, 4);
 * ```
 */
export interface AcceptTunnelOptions extends Omit<BridgeOptions, "uuid"> {
  /** The key tokens are sealed with ({@link importTokenKey}). */
  key: TokenKey;
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
   * Refuses tokens seen before. Without one, a token works until it expires.
   */
  replay?: ReplayGuard;
  /**
   * Longest token lifetime accepted, in milliseconds (see `openToken`'s `maxLifetime`).
   * @default {86400000}
   */
  maxTokenLifetime?: number;
  /**
   * Clock difference allowed between the token issuer and the broker, in milliseconds.
   * @default {30000}
   */
  clockSkew?: number;
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
  /** The current time in milliseconds since the epoch, for token expiry (tests). */
  now?: () => number;
}

/**
 * Serves one browser tunnel from start to end: reads the token from the tunnel URL's `token`
 * query field, opens it (refusing a missing, forged, tampered, expired or replayed one with a
 * close code and no guacd connection), merges the browser's allowed settings, connects to guacd,
 * performs the handshake with `GuacamoleClient`, then runs {@link bridgeTunnel} on the raw
 * connection. Call it synchronously when the WebSocket is accepted, so no early message is lost.
 *
 * @example A forged token is refused before guacd is contacted
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptTunnel, generateTokenSecret, importTokenKey, sealToken, type WebSocketLike } from "@guacstream/tunnel";
 *
 * let closed: [number | undefined, string | undefined] | undefined;
 * const ws: WebSocketLike = {
 *   readyState: 1,
 *   bufferedAmount: 0,
 *   send: () => {},
 *   close: (code, reason) => void (closed = [code, reason]),
 *   addEventListener: () => {},
 * };
 * let connects = 0;
 * const forged = await sealToken(await importTokenKey(generateTokenSecret()), { protocol: "vnc" });
 * const result = await acceptTunnel(ws, `ws://broker/tunnel?token=${forged}`, {
 *   key: await importTokenKey(generateTokenSecret()),
 *   connect: async () => {
 *     connects++;
 *     throw new Error("unreachable");
 *   },
 * });
 * assert.equal(connects, 0);
 * assert.deepEqual(closed, [1008, "769 Token invalid"]);
 * assert.equal(result.initiator, "error");
 * ```
 */
export async function acceptTunnel(
  ws: WebSocketLike,
  url: string | URL,
  options: AcceptTunnelOptions,
): Promise<BridgeResult> {
  const socket = new SocketAdapter(ws, socketLimits(options));
  const onEvent = options.onEvent;
  const emit = (event: TunnelEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // A logger's fault must not end the tunnel (nor the process).
    }
  };
  try {
    return await serveTunnel(socket, url, options, emit);
  } catch (cause) {
    // Not reached by design; if a callback or a bug throws, the browser gets a fixed text.
    const error = new TunnelError("INTERNAL", "Cannot serve tunnel: the broker failed", { cause });
    return refuseTunnel(socket, error, emit);
  }
}

/**
 * The options {@link openTunnelToken} reads (those of {@link acceptTunnel}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTokenSecret, importTokenKey, type TunnelTokenOptions } from "@guacstream/tunnel";
 *
 * const options: TunnelTokenOptions = { key: await importTokenKey(generateTokenSecret()), clockSkew: 5000 };
 * assert.equal(options.clockSkew, 5000);
 * ```
 */
export type TunnelTokenOptions = Pick<
  AcceptTunnelOptions,
  "key" | "replay" | "maxTokenLifetime" | "clockSkew" | "now"
>;

/**
 * Opens the token of a tunnel request (its URL's `token` field), claiming it in the replay guard,
 * before the WebSocket upgrade: a request without a valid token then costs no WebSocket at all.
 * Pass the result to {@link acceptTunnel} as `token`, or its `TunnelError` as `refusal`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTokenSecret, importTokenKey, openTunnelToken, sealToken } from "@guacstream/tunnel";
 *
 * const key = await importTokenKey(generateTokenSecret());
 * const token = await sealToken(key, { protocol: "vnc" });
 * const opened = await openTunnelToken(`/tunnel?token=${token}`, { key });
 * assert.equal(opened.settings.protocol, "vnc");
 * await assert.rejects(openTunnelToken("/tunnel", { key }), { code: "TOKEN_MISSING" });
 * ```
 */
export async function openTunnelToken(
  url: string | URL,
  options: TunnelTokenOptions,
): Promise<OpenedToken> {
  try {
    return await openToken(options.key, queryOf(url).get("token"), {
      ...(options.replay === undefined ? {} : { replay: options.replay }),
      ...(options.now === undefined ? {} : { now: options.now() }),
      ...(options.maxTokenLifetime === undefined ? {} : { maxLifetime: options.maxTokenLifetime }),
      ...(options.clockSkew === undefined ? {} : { clockSkew: options.clockSkew }),
    });
  } catch (cause) {
    throw cause instanceof TunnelError
      ? cause
      : new TunnelError("TOKEN_MALFORMED", "Cannot open token", { cause });
  }
}

function queryOf(url: string | URL): URLSearchParams {
  try {
    return new URL(url, "ws://localhost").searchParams;
  } catch {
    return new URLSearchParams();
  }
}

// guacd's connection ids are `$` and a UUID; anything else never reaches logs, files or labels.
const CONNECTION_ID = /^\$[A-Za-z0-9-]{1,64}$/;

async function serveTunnel(
  socket: SocketAdapter,
  url: string | URL,
  options: AcceptTunnelOptions,
  emit: (event: TunnelEvent) => void,
): Promise<BridgeResult> {
  const uuid = crypto.randomUUID();
  let settings: ConnectionSettings;
  let tokenId: string;
  if (options.refusal !== undefined) return refuseTunnel(socket, options.refusal, emit);
  try {
    const query = queryOf(url);
    const token = options.token ?? (await openTunnelToken(url, options));
    tokenId = token.id;
    settings = applyBrowserSettings(token.settings, query, options.allow ?? []);
    // Fail closed: only absence or a real false means control; a join may be forced to view.
    const readOnly =
      (settings.readOnly !== undefined && settings.readOnly !== false) ||
      (settings.join !== undefined && options.joinReadOnly === true);
    settings = { ...settings, ...(readOnly ? { readOnly: true } : {}) };
  } catch (cause) {
    const error =
      cause instanceof TunnelError
        ? cause
        : new TunnelError("TOKEN_MALFORMED", "Cannot open token", { cause });
    return refuseTunnel(socket, error, emit);
  }

  let raw: GuacdDuplex;
  let connectionId: string;
  let guacd: GuacdDuplex | undefined;
  let route: GuacdRoute | undefined;
  const abort = new AbortController();
  // A browser that leaves during the handshake aborts it, so guacd is not left half-connected.
  void socket.ended.then(() => abort.abort(new Error("The browser left or broke a bound")));
  const started = performance.now();
  const timeout = options.handshakeTimeout ?? 15000;
  try {
    route = await routeToGuacd(settings, {
      connect: options.connect,
      pool: options.pool,
      sessions: options.sessions,
      timeout,
      signal: abort.signal,
    });
    guacd = route.duplex;
    const client = new GuacamoleClient(guacd, {
      echoSync: false,
      keepAliveInterval: 0,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });
    const result = await client.handshake({
      ...handshakeSettings(settings),
      // One deadline for the connect (and a pool's failover) and the handshake.
      timeout: Math.max(1, timeout - (performance.now() - started)),
      signal: abort.signal,
    });
    raw = client.detach();
    if (!CONNECTION_ID.test(result.id)) {
      guacd = raw;
      throw new TunnelError(
        "GUACD_FAILED",
        "Cannot use guacd's session: its connection id is malformed",
      );
    }
    connectionId = result.id;
  } catch (cause) {
    route?.release();
    // The browser's own fault (too much input, too fast) closed it during the handshake.
    const fault = socket.fault;
    const status = fault?.status ?? statusOfFailure(cause);
    const error = fault ?? (cause instanceof Error ? cause : new Error(String(cause)));
    emit({ type: "failed", status, closeCode: closeCodeFor(status), error });
    if (guacd !== undefined) await closeQuietly(guacd);
    const reason = error instanceof TunnelError ? error.closeReason : String(status);
    return refuse(socket, status, reason, error);
  }

  const handshakeMs = performance.now() - started;
  const endpoint = route.endpoint;
  const info: TunnelInfo = {
    uuid,
    tokenId,
    connectionId,
    settings,
    ...(endpoint === undefined ? {} : { endpoint }),
  };
  // The registry learns of a new connection without the tunnel waiting for it.
  const registered = endpoint !== undefined && settings.join === undefined && options.sessions;
  if (registered) {
    void registered.add({
      connectionId,
      endpoint,
      protocol: settings.protocol ?? "",
      openedAt: Date.now(),
    });
  }
  const release = (): void => {
    route.release();
    if (registered) void registered.remove(connectionId);
  };
  let fromBrowser: TransformStream<Instruction, Instruction>[];
  let recorder: SessionRecorderStream | undefined;
  try {
    fromBrowser = [...(options.fromBrowser ?? []), ...(options.filters?.(info) ?? [])];
    const sink = options.record?.(info);
    recorder =
      sink === undefined || sink instanceof SessionRecorderStream
        ? sink
        : new SessionRecorderStream(sink);
    // Keys reach the recording as guacd's recording-include-keys puts them (off by default).
    if (recorder?.includeKeys === true) fromBrowser.push(recorder.keyTap());
  } catch (cause) {
    const error = new TunnelError("INTERNAL", "Cannot set up tunnel: a broker callback failed", {
      cause,
    });
    emit({ type: "failed", status: error.status, closeCode: error.closeCode, error });
    await closeQuietly(raw);
    release();
    return refuse(socket, error.status, error.closeReason, error);
  }
  const fromGuacd = [...(options.fromGuacd ?? []), ...(recorder === undefined ? [] : [recorder])];
  const bridge = new Bridge(socket, raw, {
    ...options,
    uuid,
    readOnly: settings.readOnly === true || options.readOnly === true,
    fromBrowser,
    fromGuacd,
  });
  emit({ type: "open", info, handshakeMs, traffic: bridge.traffic });
  const result = await bridge.run();
  release();
  if (recorder !== undefined) await recorder.close().catch(() => {});
  emit({ type: "closed", info, result });
  return result;
}

/** Refuses a tunnel before guacd is reached: the event carries the detail, the browser a fixed text. */
function refuseTunnel(
  socket: SocketAdapter,
  error: TunnelError,
  emit: (event: TunnelEvent) => void,
): Promise<BridgeResult> {
  emit({
    type: "refused",
    code: error.code,
    status: error.status,
    closeCode: error.closeCode,
    error,
  });
  return refuse(socket, error.status, error.closeReason, error);
}

async function refuse(
  socket: SocketAdapter,
  status: number,
  reason: string,
  error: Error,
): Promise<BridgeResult> {
  const closeCode = closeCodeFor(status);
  // A refused browser is not read any further, and is dropped after the close grace.
  if (await socket.opened) socket.closeAbruptly(closeCode, reason);
  return {
    initiator: "error",
    status,
    closeCode,
    error,
    bytesToBrowser: 0,
    instructionsToGuacd: 0,
  };
}

function handshakeSettings(settings: ConnectionSettings): ConnectionSettings {
  // Only the fields the handshake knows; a token cannot smuggle in others.
  const out: ConnectionSettings = {};
  if (settings.protocol !== undefined) out.protocol = settings.protocol;
  if (settings.join !== undefined) out.join = settings.join;
  if (settings.readOnly !== undefined) out.readOnly = settings.readOnly;
  if (settings.parameters !== undefined) out.parameters = settings.parameters;
  if (settings.width !== undefined) out.width = settings.width;
  if (settings.height !== undefined) out.height = settings.height;
  if (settings.dpi !== undefined) out.dpi = settings.dpi;
  if (settings.audio !== undefined) out.audio = settings.audio;
  if (settings.video !== undefined) out.video = settings.video;
  if (settings.image !== undefined) out.image = settings.image;
  if (settings.timezone !== undefined) out.timezone = settings.timezone;
  if (settings.name !== undefined) out.name = settings.name;
  return out;
}

function statusOfFailure(cause: unknown): number {
  if (cause instanceof TunnelError) return cause.status;
  if (cause instanceof GuacamoleStatusError) return cause.status;
  if (cause instanceof GuacamoleClientError) {
    switch (cause.code) {
      case "HANDSHAKE_TIMEOUT":
        return GUACAMOLE_STATUS.UPSTREAM_TIMEOUT;
      case "CONNECTION_CLOSED":
        return GUACAMOLE_STATUS.UPSTREAM_ERROR;
      case "ABORTED":
        return GUACAMOLE_STATUS.SUCCESS; // the browser left; nobody to tell
      default:
        return GUACAMOLE_STATUS.SERVER_ERROR; // the token's settings do not fit this guacd
    }
  }
  return GUACAMOLE_STATUS.UPSTREAM_ERROR;
}
