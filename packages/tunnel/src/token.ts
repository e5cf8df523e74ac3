import { fromBase64Url, toBase64Url } from "./_base64url.ts";
import { TunnelError } from "./errors.ts";
import type { ReplayGuard } from "./replay-guard.ts";
import { type ConnectionSettings, parseConnectionSettings } from "./settings.ts";

const PREFIX = "v1.";
const IV_BYTES = 12;
// Binds the ciphertext to this format: a token sealed for another purpose with the same key fails.
const AAD = new TextEncoder().encode("guacstream-tunnel-token-v1");
const DAY = 86_400_000;
const MAX_TOKEN_CHARS = 16384;
// A user claim: printable, no control characters (it reaches logs and limiter keys).
const USER = /^[^\u0000-\u001f\u007f]{1,128}$/;

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
  return crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

/**
 * Options of {@link sealToken}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SealTokenOptions } from "@guacstream/tunnel";
 *
 * const options: SealTokenOptions = { expiresIn: 30_000 };
 * assert.equal(options.expiresIn, 30_000);
 * ```
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
 * Seals connection settings into an opaque token for the browser: AES-256-GCM (WebCrypto) over
 * `{ id, exp, settings }`, so the browser can neither read the host or credentials nor change
 * them. The format is `v1.` + base64url(12-byte IV ‖ ciphertext ‖ tag). The settings are
 * checked with {@link parseConnectionSettings} first (`TOKEN_SETTINGS`), as the broker will.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { importTokenKey, generateTokenSecret, openToken, sealToken } from "@guacstream/tunnel";
 *
 * const key = await importTokenKey(generateTokenSecret());
 * const token = await sealToken(key, { protocol: "vnc", parameters: { hostname: "10.0.0.5", port: "5900" } });
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
  const id = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  const user = options.user;
  if (user !== undefined && !USER.test(user)) {
    throw new RangeError("Cannot seal token: user must be 1 to 128 printable characters");
  }
  const body = {
    id,
    iat: now,
    exp: now + expiresIn,
    ...(user === undefined ? {} : { user }),
    settings: checked,
  };
  const plain = new TextEncoder().encode(JSON.stringify(body));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: AAD },
      key as CryptoKey,
      plain,
    ),
  );
  const out = new Uint8Array(IV_BYTES + sealed.length);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return PREFIX + toBase64Url(out);
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
  /** When it was issued, in milliseconds since the epoch, if it says. */
  readonly issued?: number;
}

/**
 * Options of {@link openToken}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type OpenTokenOptions, ReplayGuard } from "@guacstream/tunnel";
 *
 * const options: OpenTokenOptions = { replay: new ReplayGuard(), maxLifetime: 3_600_000 };
 * assert.equal(await options.replay?.claim("id", 2000, 1000), "claimed");
 * ```
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
  const text = token.startsWith(PREFIX) ? token.slice(PREFIX.length) : "";
  const bytes = token.length > MAX_TOKEN_CHARS ? undefined : fromBase64Url(text);
  // One spelling per token: base64url's last character has unused low bits that atob ignores.
  if (bytes === undefined || bytes.length < IV_BYTES + 16 || toBase64Url(bytes) !== text) {
    throw new TunnelError("TOKEN_MALFORMED", "Cannot open token: it is not a v1 token");
  }
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: AAD },
      key as CryptoKey,
      bytes.subarray(IV_BYTES),
    );
  } catch (cause) {
    throw new TunnelError("TOKEN_FORGED", "Cannot open token: it does not authenticate", {
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
  const issued = body.issued ?? now;
  if (issued > now + skew || body.expires - Math.min(issued, now) > maxLifetime + skew) {
    throw new TunnelError(
      "TOKEN_LIFETIME",
      `Cannot open token: it lives ${body.expires - issued} ms from ${issued}, past the ${maxLifetime} ms allowed`,
    );
  }
  const settings = parseConnectionSettings(body.settings);
  if (options.replay !== undefined) {
    const claim = await options.replay.claim(body.id, body.expires + skew, now);
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
    ...(body.issued === undefined ? {} : { issued: body.issued }),
  };
}

interface TokenBody {
  readonly id: string;
  readonly expires: number;
  readonly issued: number | undefined;
  readonly user: string | undefined;
  readonly settings: unknown;
}

function parseBody(text: string): TokenBody {
  // Authenticated, so written by a sealer holding the key; still checked, since that sealer may
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
  const { id, exp, iat, user } = body;
  if (
    (user !== undefined && (typeof user !== "string" || !USER.test(user))) ||
    typeof id !== "string" ||
    !/^[A-Za-z0-9_-]{16,64}$/.test(id) ||
    typeof exp !== "number" ||
    !Number.isSafeInteger(exp) ||
    (iat !== undefined && (typeof iat !== "number" || !Number.isSafeInteger(iat)))
  ) {
    throw new TunnelError("TOKEN_MALFORMED", "Cannot open token: its contents are incomplete");
  }
  return { id, expires: exp, issued: iat, user: user as string | undefined, settings: body.settings };
}
