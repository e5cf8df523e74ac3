import { fromBase64Url, toBase64Url } from "./_base64url.ts";
import { TunnelError } from "./errors.ts";
import type { ConnectionSettings } from "./settings.ts";

const PREFIX = "v1.";
const IV_BYTES = 12;
// Binds the ciphertext to this format: a token sealed for another purpose with the same key fails.
const AAD = new TextEncoder().encode("guacstream-tunnel-token-v1");

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
export async function importTokenKey(secret: string | Uint8Array): Promise<CryptoKey> {
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
}

/**
 * Seals connection settings into an opaque token for the browser: AES-256-GCM (WebCrypto) over
 * `{ id, exp, settings }`, so the browser can neither read the host or credentials nor change
 * them. The format is `v1.` + base64url(12-byte IV ‖ ciphertext ‖ tag).
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
  key: CryptoKey,
  settings: ConnectionSettings,
  options: SealTokenOptions = {},
): Promise<string> {
  const now = options.now ?? Date.now();
  const expiresIn = options.expiresIn ?? 60_000;
  if (!(expiresIn > 0)) throw new RangeError("Cannot seal token: expiresIn must be positive");
  const id = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  const plain = new TextEncoder().encode(JSON.stringify({ id, exp: now + expiresIn, settings }));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: AAD }, key, plain),
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
}

/**
 * Options of {@link openToken}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type OpenTokenOptions, ReplayGuard } from "@guacstream/tunnel";
 *
 * const options: OpenTokenOptions = { replay: new ReplayGuard() };
 * assert.equal(options.replay?.size, 0);
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
}

/**
 * Authenticates and decrypts a token made by {@link sealToken}, then checks its expiry and (with a
 * {@link ReplayGuard}) that it was not used before. Throws {@link TunnelError} with `code`
 * `TOKEN_MISSING`, `TOKEN_MALFORMED`, `TOKEN_FORGED` (wrong key, any flipped bit), `TOKEN_EXPIRED`
 * or `TOKEN_REPLAYED`, in that order of checks.
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
  key: CryptoKey,
  token: string | null | undefined,
  options: OpenTokenOptions = {},
): Promise<OpenedToken> {
  if (token === null || token === undefined || token === "") {
    throw new TunnelError("TOKEN_MISSING", "Cannot open token: none was given");
  }
  const bytes = token.startsWith(PREFIX) ? fromBase64Url(token.slice(PREFIX.length)) : undefined;
  if (bytes === undefined || bytes.length < IV_BYTES + 16 || token.length > 16384) {
    throw new TunnelError("TOKEN_MALFORMED", "Cannot open token: it is not a v1 token");
  }
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: AAD },
      key,
      bytes.subarray(IV_BYTES),
    );
  } catch (cause) {
    throw new TunnelError("TOKEN_FORGED", "Cannot open token: it does not authenticate", {
      cause,
    });
  }
  const body = parseBody(new TextDecoder().decode(plain));
  const now = options.now ?? Date.now();
  if (now >= body.expires) {
    throw new TunnelError(
      "TOKEN_EXPIRED",
      `Cannot open token: it expired ${Math.round((now - body.expires) / 1000)} s ago`,
    );
  }
  if (options.replay !== undefined && !options.replay.claim(body.id, body.expires, now)) {
    throw new TunnelError("TOKEN_REPLAYED", "Cannot open token: it was already used");
  }
  return body;
}

function parseBody(text: string): OpenedToken {
  // Authenticated, so written by a sealer holding the key; still checked so a bug there fails here.
  const value: unknown = JSON.parse(text);
  const body = value as { id?: unknown; exp?: unknown; settings?: unknown };
  const settings = body.settings as ConnectionSettings | undefined;
  if (
    typeof body.id !== "string" ||
    typeof body.exp !== "number" ||
    typeof settings !== "object" ||
    settings === null ||
    (typeof settings.protocol !== "string" && typeof settings.join !== "string")
  ) {
    throw new TunnelError("TOKEN_MALFORMED", "Cannot open token: its contents are incomplete");
  }
  return { id: body.id, expires: body.exp, settings };
}

/**
 * Options of {@link ReplayGuard}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReplayGuard } from "@guacstream/tunnel";
 *
 * const guard = new ReplayGuard({ maxEntries: 1 });
 * assert.equal(guard.claim("a", 2000, 1000), true);
 * assert.equal(guard.claim("b", 2000, 1000), false); // full until "a" expires
 * ```
 */
export interface ReplayGuardOptions {
  /**
   * Most token IDs remembered at once; past it, new tokens are refused (as replays) until old ones
   * expire, so memory stays bounded under a flood.
   * @default {100000}
   */
  maxEntries?: number;
}

/**
 * Remembers the IDs of the tokens used until they expire, so each token opens one tunnel only.
 * In memory, for one broker process; several brokers behind a balancer need a shared store with
 * the same `claim` contract.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReplayGuard } from "@guacstream/tunnel";
 *
 * const guard = new ReplayGuard();
 * assert.equal(guard.claim("a", 2000, 1000), true);
 * assert.equal(guard.claim("a", 2000, 1500), false);
 * assert.equal(guard.claim("a", 2000, 2500), true); // expired and forgotten; openToken refuses it anyway
 * ```
 */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(options: ReplayGuardOptions = {}) {
    this.#max = options.maxEntries ?? 100_000;
  }

  /** Records `id` as used until `expires`; `false` if it is already recorded (or the guard is full). */
  claim(id: string, expires: number, now: number = Date.now()): boolean {
    const until = this.#seen.get(id);
    if (until !== undefined && until > now) return false;
    if (this.#seen.size >= this.#max) this.#sweep(now);
    if (this.#seen.size >= this.#max) return false;
    this.#seen.set(id, expires);
    return true;
  }

  /** How many token IDs are remembered. */
  get size(): number {
    return this.#seen.size;
  }

  #sweep(now: number): void {
    for (const [id, until] of this.#seen) if (until <= now) this.#seen.delete(id);
  }
}
