import { CompactEncrypt, compactDecrypt, errors as joseErrors } from "jose";
import { TunnelError } from "../base/errors.ts";
import { fromBase64Url, toBase64Url } from "./_base64url.ts";
import type { ReplayGuard } from "./replay-guard.ts";
import { type ConnectionSettings, parseConnectionSettings } from "./settings.ts";

// JWE compact serialisation, direct key agreement, AES-256-GCM: any JOSE library can issue it.
const HEADER = { alg: "dir", enc: "A256GCM", typ: "JWT" } as const;
const DAY = 86_400_000;
const MAX_TOKEN_CHARS = 16384;
// A user claim: 1 to 128 characters, none of them a control character (it reaches logs and
// limiter keys).
const USER = {
  test(text: string): boolean {
    if (text.length < 1 || text.length > 128) return false;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code === 0x7f) return false;
    }
    return true;
  },
};

/**
 * The AES-GCM key tokens are sealed with: the WebCrypto `CryptoKey` that {@link importTokenKey}
 * returns, described by its shape so the published types compile without the DOM lib (Node's
 * `@types/node` has no global `CryptoKey`). Any `CryptoKey` is one; the functions that take a
 * `TokenKey` need a real `CryptoKey` at run time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTokenSecret, importTokenKey, type TokenKey } from "@guacstream/tunnel";
 *
 * const key: TokenKey = await importTokenKey(generateTokenSecret());
 * assert.deepEqual([key.type, key.extractable, [...key.usages]], ["secret", false, ["encrypt", "decrypt"]]);
 * ```
 */
export interface TokenKey {
  /** The key's algorithm; `name` is `"AES-GCM"` for a key from {@link importTokenKey}. */
  readonly algorithm: { readonly name: string };
  /** Whether the raw key can be exported (never, for {@link importTokenKey}). */
  readonly extractable: boolean;
  /** `"secret"` for a symmetric key. */
  readonly type: "private" | "public" | "secret";
  /** What the key may be used for (`encrypt`, `decrypt`). */
  readonly usages: readonly string[];
}

/**
 * Makes a fresh random 256-bit token secret, base64url-encoded: what a broker and the app that
 * issues tokens share (e.g. in `GUACSTREAM_TOKEN_SECRET`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTokenSecret } from "@guacstream/tunnel";
 *
 * const secret = generateTokenSecret();
 * assert.equal(secret.length, 43);
 * ```
 */
export function generateTokenSecret(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * Imports a token secret (32 bytes, or their base64url text) as an AES-256-GCM key for
 * {@link sealToken} and {@link openToken}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTokenSecret, importTokenKey } from "@guacstream/tunnel";
 *
 * const key = await importTokenKey(generateTokenSecret());
 * assert.equal(key.algorithm.name, "AES-GCM");
 * await assert.rejects(importTokenKey("too-short"), RangeError);
 * ```
 */
export async function importTokenKey(secret: string | Uint8Array): Promise<TokenKey> {
  const raw = typeof secret === "string" ? fromBase64Url(secret) : secret;
  if (raw === undefined || raw.length !== 32) {
    throw new RangeError(
      "Cannot import token key: the secret must be 32 bytes (43 base64url characters)",
    );
  }
  const weakness = weakSecret(raw);
  if (weakness !== undefined) {
    throw new RangeError(
      `Cannot import token key: the secret is not random (${weakness}); make one with generateTokenSecret() or \`openssl rand -base64 32 | tr '+/' '-_' | tr -d =\``,
    );
  }
  return crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

/**
 * Why 32 bytes are plainly not random, or `undefined`. Random bytes have about 30 distinct values
 * (fewer than 20 is eight standard deviations off), and no step repeats all along.
 */
function weakSecret(raw: Uint8Array): string | undefined {
  const distinct = new Set(raw).size;
  if (distinct === 1) return "one byte repeated";
  if (distinct < 20) return `only ${distinct} distinct byte values`;
  let steady = true;
  for (let i = 2; i < raw.length && steady; i++) {
    steady = ((raw[i]! - raw[i - 1]! + 256) & 0xff) === ((raw[1]! - raw[0]! + 256) & 0xff);
  }
  if (steady) return "a counting sequence";
  let text = true;
  for (const byte of raw) text &&= byte >= 0x20 && byte < 0x7f;
  if (text) return "printable text, not key bytes";
  return undefined;
}

/**
 * Options of {@link sealToken}.
 */
export interface SealTokenOptions {
  /**
   * Milliseconds the token stays valid. Keep it short: a token is used once, right after the page
   * gets it.
   * @default {60000}
   */
  expiresIn?: number;
  /**
   * The current time in milliseconds since the epoch (for tests).
   * @default {Date.now()}
   */
  now?: number;
  /** Who the token is for (`user`): a broker may cap tunnels per user instead of per address. */
  user?: string;
}

/**
 * Seals connection settings into an opaque token for the browser, which can neither read the host
 * or credentials nor change them: a JWT encrypted as JWE compact serialisation with direct key
 * agreement and AES-256-GCM (`{"alg":"dir","enc":"A256GCM","typ":"JWT"}`), made with the `jose`
 * library on WebCrypto. Its claims are `jti` (a random id), `iat` and `exp` (seconds since the
 * epoch), `user` (optional) and `settings`. Any JOSE library holding the same 32-byte key can
 * issue one (the README shows Python). The settings are checked with
 * {@link parseConnectionSettings} first (`TOKEN_SETTINGS`), as the broker will.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { importTokenKey, generateTokenSecret, openToken, sealToken } from "@guacstream/tunnel";
 *
 * const key = await importTokenKey(generateTokenSecret());
 * const token = await sealToken(key, { protocol: "vnc", parameters: { hostname: "10.0.0.5", port: "5900" } });
 * assert.equal(token.split(".").length, 5);
 * assert.ok(!token.includes("10.0.0.5"));
 * const opened = await openToken(key, token);
 * assert.equal(opened.settings.parameters?.hostname, "10.0.0.5");
 * ```
 */
export async function sealToken(
  key: TokenKey,
  settings: ConnectionSettings,
  options: SealTokenOptions = {},
): Promise<string> {
  const now = options.now ?? Date.now();
  const expiresIn = options.expiresIn ?? 60_000;
  if (!(expiresIn > 0) || !Number.isSafeInteger(now + expiresIn)) {
    throw new RangeError("Cannot seal token: expiresIn must be a positive number of milliseconds");
  }
  // The same schema openToken applies: a sealer's mistake fails here, not in the broker.
  const checked = parseConnectionSettings(settings);
  const user = options.user;
  if (user !== undefined && !USER.test(user)) {
    throw new RangeError("Cannot seal token: user must be 1 to 128 printable characters");
  }
  const claims = {
    jti: toBase64Url(crypto.getRandomValues(new Uint8Array(16))),
    iat: now / 1000,
    exp: (now + expiresIn) / 1000,
    ...(user === undefined ? {} : { user }),
    settings: checked,
  };
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader(HEADER)
    .encrypt(key as CryptoKey);
}

/**
 * What {@link openToken} found in a valid token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTokenSecret, importTokenKey, openToken, sealToken } from "@guacstream/tunnel";
 *
 * const key = await importTokenKey(generateTokenSecret());
 * const opened = await openToken(key, await sealToken(key, { protocol: "vnc" }, { now: 1000, expiresIn: 500 }), { now: 1200 });
 * assert.equal(opened.expires, 1500);
 * ```
 */
export interface OpenedToken {
  /** The token's unique ID (what a {@link ReplayGuard} remembers). */
  readonly id: string;
  /** When it expires, in milliseconds since the epoch. */
  readonly expires: number;
  /** The sealed connection settings. */
  readonly settings: ConnectionSettings;
  /** Who the issuer made it for (its `user` claim), e.g. the key a broker caps tunnels by. */
  readonly user?: string;
  /** When it was issued (`iat`), in milliseconds since the epoch. */
  readonly issued: number;
}

/**
 * Options of {@link openToken}.
 */
export interface OpenTokenOptions {
  /**
   * Refuse a token seen before (`TOKEN_REPLAYED`). Without one, a token can be used until it
   * expires.
   */
  replay?: ReplayGuard;
  /**
   * The current time in milliseconds since the epoch (for tests).
   * @default {Date.now()}
   */
  now?: number;
  /**
   * Longest lifetime a token may have, in milliseconds (from its issue time, or from now when it
   * carries none): a token that claims to live longer is refused (`TOKEN_LIFETIME`), so a stolen
   * long-lived token is not a standing credential.
   * @default {86400000}
   */
  maxLifetime?: number;
  /**
   * Milliseconds of clock difference allowed between the issuer and the broker, on the expiry
   * and on the issue time.
   * @default {30000}
   */
  clockSkew?: number;
}

/**
 * Authenticates and decrypts a token made by {@link sealToken}, then checks its expiry and (with a
 * {@link ReplayGuard}) that it was not used before. Throws {@link TunnelError} with `code`
 * `TOKEN_MISSING`, `TOKEN_MALFORMED` (also any non-canonical base64url spelling: one token has
 * one spelling), `TOKEN_FORGED` (wrong key, any flipped bit), `TOKEN_EXPIRED`, `TOKEN_LIFETIME`,
 * `TOKEN_SETTINGS` (see {@link parseConnectionSettings}), then `TOKEN_REPLAYED`, `REPLAY_FULL` or
 * `REPLAY_UNAVAILABLE`, in that order of checks.
 *
 * @example A tampered token is refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTokenSecret, importTokenKey, openToken, sealToken, TunnelError } from "@guacstream/tunnel";
 *
 * const key = await importTokenKey(generateTokenSecret());
 * const token = await sealToken(key, { protocol: "ssh", parameters: { hostname: "h" } });
 * const tampered = token.slice(0, -6) + (token.at(-6) === "A" ? "B" : "A") + token.slice(-5);
 * await assert.rejects(openToken(key, tampered), (e) => e instanceof TunnelError && e.code === "TOKEN_FORGED");
 * ```
 */
export async function openToken(
  key: TokenKey,
  token: string | null | undefined,
  options: OpenTokenOptions = {},
): Promise<OpenedToken> {
  if (token === null || token === undefined || token === "") {
    throw new TunnelError("TOKEN_MISSING", "Cannot open token: none was given");
  }
  // One spelling per token: base64url's last character of a part has unused low bits that a
  // lenient decoder ignores; dir has no encrypted key (the second part is empty).
  const parts = token.length > MAX_TOKEN_CHARS ? [] : token.split(".");
  if (
    parts.length !== 5 ||
    parts[1] !== "" ||
    parts.some((part, i) => i !== 1 && !isCanonical(part))
  ) {
    throw new TunnelError("TOKEN_MALFORMED", "Cannot open token: it is not a JWE compact token");
  }
  let plain: Uint8Array;
  try {
    ({ plaintext: plain } = await compactDecrypt(token, key as CryptoKey, {
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    }));
  } catch (cause) {
    if (cause instanceof joseErrors.JWEDecryptionFailed) {
      throw new TunnelError("TOKEN_FORGED", "Cannot open token: it does not authenticate", {
        cause,
      });
    }
    throw new TunnelError("TOKEN_MALFORMED", "Cannot open token: its header is not dir/A256GCM", {
      cause,
    });
  }
  const body = parseBody(new TextDecoder().decode(plain));
  const now = options.now ?? Date.now();
  const skew = options.clockSkew ?? 30_000;
  const maxLifetime = options.maxLifetime ?? DAY;
  if (now >= body.expires + skew) {
    throw new TunnelError(
      "TOKEN_EXPIRED",
      `Cannot open token: it expired ${Math.round((now - body.expires) / 1000)} s ago`,
    );
  }
  const issued = body.issued;
  if (issued > now + skew || body.expires - Math.min(issued, now) > maxLifetime + skew) {
    throw new TunnelError(
      "TOKEN_LIFETIME",
      `Cannot open token: it lives ${body.expires - issued} ms from ${issued}, past the ${maxLifetime} ms allowed`,
    );
  }
  const settings = parseConnectionSettings(body.settings);
  if (options.replay !== undefined) {
    // A token issued before the store's last empty start may have been used then: refused.
    const claim = await options.replay.claim(body.id, body.expires + skew, now, body.issued);
    if (claim === "unverifiable") {
      throw new TunnelError(
        "TOKEN_UNVERIFIABLE",
        "Cannot open token: it was issued before the replay store last started empty",
      );
    }
    if (claim === "replayed") {
      throw new TunnelError("TOKEN_REPLAYED", "Cannot open token: it was already used");
    }
    if (claim === "full") {
      throw new TunnelError(
        "REPLAY_FULL",
        "Cannot open token: the replay store is full of live token ids",
      );
    }
  }
  return {
    id: body.id,
    expires: body.expires,
    settings,
    ...(body.user === undefined ? {} : { user: body.user }),
    issued: body.issued,
  };
}

interface TokenBody {
  readonly id: string;
  readonly expires: number;
  readonly issued: number;
  readonly user: string | undefined;
  readonly settings: unknown;
}

function parseBody(text: string): TokenBody {
  // Authenticated, so written by an issuer holding the key; still checked, since that issuer may
  // be another program (or language) with its own mistakes.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const body = (typeof value === "object" && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const { jti, exp, iat, user } = body;
  if (
    (user !== undefined && (typeof user !== "string" || !USER.test(user))) ||
    typeof jti !== "string" ||
    !/^[A-Za-z0-9_-]{16,64}$/.test(jti) ||
    !isSeconds(exp) ||
    !isSeconds(iat)
  ) {
    throw new TunnelError(
      "TOKEN_MALFORMED",
      "Cannot open token: its claims are incomplete (jti, iat and exp are required)",
    );
  }
  return {
    id: jti,
    expires: Math.round(exp * 1000),
    issued: Math.round(iat * 1000),
    user: user as string | undefined,
    settings: body.settings,
  };
}

function isSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value < 9e12;
}

function isCanonical(part: string): boolean {
  const bytes = fromBase64Url(part);
  return bytes !== undefined && bytes.length > 0 && toBase64Url(bytes) === part;
}
