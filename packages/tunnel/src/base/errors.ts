import { closeCodeFor } from "./close.ts";

/**
 * What went wrong in a {@link TunnelError}:
 * - `TOKEN_MISSING`: the browser presented no token.
 * - `TOKEN_MALFORMED`: the token is not one this broker's sealer made (bad encoding or version).
 * - `TOKEN_FORGED`: the token does not authenticate under the broker's key (forged or tampered).
 * - `TOKEN_EXPIRED`: the token's expiry has passed.
 * - `TOKEN_REPLAYED`: the token was already used once.
 * - `TOKEN_SETTINGS`: the token's settings do not fit the schema (unknown name, wrong type, out
 *   of range): refused rather than guessed at, as a string `"true"` for `readOnly` would be.
 * - `TOKEN_LIFETIME`: the token lives longer than the broker's `maxTokenLifetime`, or was issued
 *   in the future (past the clock-skew allowance).
 * - `REPLAY_FULL`: the replay store is full of live token ids; new tokens wait until some expire.
 * - `REPLAY_UNAVAILABLE`: the replay store failed to answer; the token is refused (fail closed).
 * - `BAD_SETTING`: a browser-chosen setting (size, dpi, …) is out of range or malformed.
 * - `BAD_INSTRUCTION`: the browser sent bytes that are not whole, valid Guacamole instructions.
 * - `OVERRUN`: the browser sent more than its byte budget (before or after the handshake).
 * - `TOO_MANY_INSTRUCTIONS`: one browser message held more instructions than allowed.
 * - `RATE_LIMITED`: the browser sent more messages per second than allowed.
 * - `IDLE_TIMEOUT`: the browser sent nothing (not even the tunnel's ping) for too long.
 * - `RECORDING_FAILED`: writing the session recording failed; the session ends with it.
 * - `INTERNAL`: the broker itself failed (a callback threw); details go to events only.
 * - `GUACD_UNREACHABLE`: the broker could not connect to guacd.
 * - `GUACD_FAILED`: the handshake with guacd or the guacd socket failed.
 * - `JOIN_NOT_FOUND`: no broker registered the connection a `join` names (or it ended).
 * - `REGISTRY_UNAVAILABLE`: the session registry could not answer where a `join` must go.
 * - `TOO_MANY_TUNNELS`: a cap on tunnels (all, per client, new per client per minute) was hit.
 * - `DRAINING`: the broker is draining and opens no new tunnel.
 * - `TOKEN_UNVERIFIABLE`: the token was issued before the replay store's last empty start, so
 *   whether it was used cannot be known.
 */
export type TunnelErrorCode =
  | "TOKEN_MISSING"
  | "TOKEN_MALFORMED"
  | "TOKEN_FORGED"
  | "TOKEN_EXPIRED"
  | "TOKEN_REPLAYED"
  | "TOKEN_SETTINGS"
  | "TOKEN_LIFETIME"
  | "REPLAY_FULL"
  | "REPLAY_UNAVAILABLE"
  | "BAD_SETTING"
  | "BAD_INSTRUCTION"
  | "OVERRUN"
  | "TOO_MANY_INSTRUCTIONS"
  | "RATE_LIMITED"
  | "IDLE_TIMEOUT"
  | "RECORDING_FAILED"
  | "INTERNAL"
  | "GUACD_UNREACHABLE"
  | "GUACD_FAILED"
  | "JOIN_NOT_FOUND"
  | "REGISTRY_UNAVAILABLE"
  | "TOO_MANY_TUNNELS"
  | "DRAINING"
  | "TOKEN_UNVERIFIABLE";

/** The Guacamole status each {@link TunnelErrorCode} is reported to the browser with. */
const STATUS: Readonly<Record<TunnelErrorCode, number>> = {
  TOKEN_MISSING: 0x0301,
  TOKEN_MALFORMED: 0x0300,
  TOKEN_FORGED: 0x0301,
  TOKEN_EXPIRED: 0x0301,
  TOKEN_REPLAYED: 0x0303,
  TOKEN_SETTINGS: 0x0300,
  TOKEN_LIFETIME: 0x0301,
  REPLAY_FULL: 0x0201,
  REPLAY_UNAVAILABLE: 0x0200,
  BAD_SETTING: 0x0300,
  BAD_INSTRUCTION: 0x0300,
  OVERRUN: 0x030d,
  TOO_MANY_INSTRUCTIONS: 0x030d,
  RATE_LIMITED: 0x031d,
  IDLE_TIMEOUT: 0x0308,
  RECORDING_FAILED: 0x0200,
  INTERNAL: 0x0200,
  GUACD_UNREACHABLE: 0x0207,
  GUACD_FAILED: 0x0203,
  JOIN_NOT_FOUND: 0x0204,
  REGISTRY_UNAVAILABLE: 0x0200,
  TOO_MANY_TUNNELS: 0x031d,
  DRAINING: 0x0201,
  TOKEN_UNVERIFIABLE: 0x0301,
};

/**
 * A refusal or failure of a tunnel, with the Guacamole `status` and WebSocket `closeCode` the
 * browser is told. The close reason the bridge sends is `"<status> <short text>"`:
 * guacamole-common-js reads the status with `parseInt(reason)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TunnelError } from "@guacstream/tunnel";
 *
 * const error = new TunnelError("TOKEN_EXPIRED", "Cannot accept token: it expired 5 s ago");
 * assert.equal(error.status, 0x0301);
 * assert.equal(error.closeCode, 1008);
 * assert.equal(error.closeReason, "769 Token expired");
 * ```
 */
export class TunnelError extends Error {
  /** Always `"TunnelError"`. */
  override readonly name = "TunnelError";
  /** Stable identifier of the fault. */
  readonly code: TunnelErrorCode;
  /** The Guacamole status reported to the browser (e.g. 0x0301 CLIENT_UNAUTHORIZED). */
  readonly status: number;
  /** The WebSocket close code the browser receives. */
  readonly closeCode: number;

  /** A fault with its code; `status` overrides the code's usual status. */
  constructor(
    code: TunnelErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status ?? STATUS[code];
    this.closeCode = closeCodeFor(this.status);
  }

  /**
   * Whether the browser broke one of the tunnel's bounds (`BAD_INSTRUCTION`, `OVERRUN`,
   * `TOO_MANY_INSTRUCTIONS`, `RATE_LIMITED`): what a `TunnelLimiter` holds against its
   * client for a while. guacamole-common-js keeps within them.
   */
  get isAbuse(): boolean {
    return ABUSE.has(this.code);
  }

  /** The WebSocket close reason: the status, then a short text free of secrets. */
  get closeReason(): string {
    return `${this.status} ${REASON[this.code]}`;
  }
}

const ABUSE: ReadonlySet<TunnelErrorCode> = new Set([
  "BAD_INSTRUCTION",
  "OVERRUN",
  "TOO_MANY_INSTRUCTIONS",
  "RATE_LIMITED",
]);

const REASON: Readonly<Record<TunnelErrorCode, string>> = {
  TOKEN_MISSING: "Token missing",
  TOKEN_MALFORMED: "Token malformed",
  TOKEN_FORGED: "Token invalid",
  TOKEN_EXPIRED: "Token expired",
  TOKEN_REPLAYED: "Token already used",
  TOKEN_SETTINGS: "Token settings invalid",
  TOKEN_LIFETIME: "Token lifetime refused",
  REPLAY_FULL: "Server busy",
  REPLAY_UNAVAILABLE: "Server error",
  BAD_SETTING: "Bad setting",
  BAD_INSTRUCTION: "Bad instruction",
  OVERRUN: "Too much input",
  TOO_MANY_INSTRUCTIONS: "Too many instructions",
  RATE_LIMITED: "Too many messages",
  IDLE_TIMEOUT: "Browser timed out",
  RECORDING_FAILED: "Recording failed",
  INTERNAL: "Server error",
  GUACD_UNREACHABLE: "guacd unreachable",
  GUACD_FAILED: "guacd failed",
  JOIN_NOT_FOUND: "Session not found",
  REGISTRY_UNAVAILABLE: "Session registry unavailable",
  TOO_MANY_TUNNELS: "Too many tunnels",
  DRAINING: "Server draining",
  TOKEN_UNVERIFIABLE: "Token issued before the replay store started",
};
