import { TunnelError } from "../base/errors.ts";
import type { ReplayGuard } from "./replay-guard.ts";
import { type OpenedToken, openToken, type TokenKey } from "./token.ts";

/** The options {@link openTunnelToken} reads (and {@link acceptTunnel}, which extends them). */
export interface TunnelTokenOptions {
  /** The key tokens are sealed with ({@link importTokenKey}). */
  key: TokenKey;
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
  /** The current time in milliseconds since the epoch, for token expiry (tests). */
  now?: () => number;
}

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

/** The query of a tunnel request's URL (empty if the URL cannot be parsed). */
export function queryOf(url: string | URL): URLSearchParams {
  try {
    return new URL(url, "ws://localhost").searchParams;
  } catch {
    return new URLSearchParams();
  }
}
