import type { HandshakeOptions } from "@guacstream/codec/client";
import { TunnelError } from "../base/errors.ts";

/**
 * Where and how to connect: what a token carries, and what the bridge hands to the guacd handshake
 * (the shape of `@guacstream/codec`'s `HandshakeOptions`, less `timeout` and `signal`).
 */
export interface ConnectionSettings
  extends Pick<
    HandshakeOptions,
    | "protocol"
    | "join"
    | "readOnly"
    | "width"
    | "height"
    | "dpi"
    | "audio"
    | "video"
    | "image"
    | "timezone"
    | "name"
  > {
  /** Connection parameters by name (host, port, credentials…): never chosen by the browser. */
  parameters?: Readonly<Record<string, string>>;
  /**
   * Labels the guacd must carry when the broker has a `GuacdPool` (e.g. `{ region: "eu" }`): only
   * endpoints with every one of them, with the same values, take the session. Not sent to guacd.
   */
  labels?: Readonly<Record<string, string>>;
}

/**
 * The settings a browser may choose itself, in the tunnel URL's query (`width`, `height`, `dpi`,
 * `timezone`, and `audio`, `video`, `image` repeated once per mimetype).
 */
export type BrowserSetting = "width" | "height" | "dpi" | "timezone" | "audio" | "video" | "image";

/**
 * Every {@link BrowserSetting}, for an allow-list that lets the browser choose them all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BROWSER_SETTINGS } from "@guacstream/tunnel";
 *
 * assert.deepEqual([...BROWSER_SETTINGS].sort(), ["audio", "dpi", "height", "image", "timezone", "video", "width"]);
 * ```
 */
export const BROWSER_SETTINGS: readonly BrowserSetting[] = Object.freeze([
  "width",
  "height",
  "dpi",
  "timezone",
  "audio",
  "video",
  "image",
]);

const MIMETYPE = /^[A-Za-z0-9.+-]{1,32}\/[A-Za-z0-9.+-]{1,64}(;[A-Za-z0-9.=,+-]{0,64})?$/;
const TIMEZONE = /^[A-Za-z0-9_+-]{1,32}(\/[A-Za-z0-9_+-]{1,32}){0,2}$/;
const MAX_TYPES = 16;
const BOUNDS = { width: [1, 16384], height: [1, 16384], dpi: [1, 2400] } as const;

/**
 * Merges what the browser asked for in the tunnel URL's query into the settings from the token,
 * taking only the names in `allow`; any other query field (`token` included) is ignored, so the
 * browser can never choose the protocol, the host or a parameter. Throws {@link TunnelError}
 * `BAD_SETTING` for an allowed value that is out of range or malformed.
 *
 * @example Let the browser choose its screen size, nothing else
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyBrowserSettings } from "@guacstream/tunnel";
 *
 * const query = new URLSearchParams("width=1920&height=1080&dpi=200&parameters=evil");
 * const settings = applyBrowserSettings(
 *   { protocol: "vnc", parameters: { hostname: "10.0.0.5" }, dpi: 96 },
 *   query,
 *   ["width", "height"],
 * );
 * assert.equal(settings.width, 1920);
 * assert.equal(settings.dpi, 96);
 * assert.deepEqual(settings.parameters, { hostname: "10.0.0.5" });
 * ```
 */
export function applyBrowserSettings(
  base: ConnectionSettings,
  query: URLSearchParams,
  allow: readonly BrowserSetting[],
): ConnectionSettings {
  const out: ConnectionSettings = { ...base };
  for (const name of allow) {
    switch (name) {
      case "width":
      case "height":
      case "dpi": {
        const text = query.get(name);
        if (text === null) break;
        const [min, max] = BOUNDS[name];
        const value = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
        if (!(value >= min && value <= max)) badSetting(name, text);
        out[name] = value;
        break;
      }
      case "timezone": {
        const text = query.get(name);
        if (text === null) break;
        if (!TIMEZONE.test(text)) badSetting(name, text);
        out.timezone = text;
        break;
      }
      case "audio":
      case "video":
      case "image": {
        const values = query.getAll(name);
        if (values.length === 0) break;
        if (values.length > MAX_TYPES) badSetting(name, `${values.length} mimetypes`);
        for (const value of values) if (!MIMETYPE.test(value)) badSetting(name, value);
        out[name] = values;
        break;
      }
    }
  }
  return out;
}

function badSetting(name: string, value: string): never {
  throw new TunnelError(
    "BAD_SETTING",
    `Cannot accept setting ${name}: ${JSON.stringify(value.slice(0, 40))} is out of range or malformed`,
  );
}

const KNOWN = new Set([
  "protocol",
  "join",
  "readOnly",
  "parameters",
  "width",
  "height",
  "dpi",
  "audio",
  "video",
  "image",
  "timezone",
  "name",
  "labels",
]);
const PROTOCOL = /^[a-z][a-z0-9-]{0,31}$/;
const CONNECTION_ID = /^\$[A-Za-z0-9-]{1,64}$/;
const PARAMETER = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_PARAMETERS = 256;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const LABEL_VALUE = /^[\x20-\x7e]{0,128}$/;
const MAX_LABELS = 16;
const MAX_PARAMETER_CHARS = 65536;
// No control characters: the name reaches guacd's logs.
const NAME = /^[^\p{Cc}]{0,256}$/u;

/**
 * Checks connection settings of unknown origin (a token's body, a `GUACD_CONNECTION` JSON)
 * against the schema of {@link ConnectionSettings}: only known names, each of its type and in
 * range (`readOnly` a real boolean, `join` a `$…` connection id, sizes integers in range,
 * parameters named like guacd's and given as strings), one of `protocol` or `join`. Returns a
 * fresh copy; throws {@link TunnelError} `TOKEN_SETTINGS` (status 768) for anything unexpected,
 * so a value that might mean less access is refused rather than read as full access.
 *
 * @example A string "true" for readOnly is refused, not read as false
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConnectionSettings, TunnelError } from "@guacstream/tunnel";
 *
 * const ok = parseConnectionSettings({ protocol: "vnc", readOnly: true, parameters: { port: "5900" } });
 * assert.equal(ok.readOnly, true);
 * assert.throws(
 *   () => parseConnectionSettings({ protocol: "vnc", readOnly: "true" }),
 *   (e) => e instanceof TunnelError && e.code === "TOKEN_SETTINGS" && e.status === 768,
 * );
 * ```
 */
export function parseConnectionSettings(value: unknown): ConnectionSettings {
  if (!isPlainObject(value)) invalid("settings", "is not an object");
  for (const name of Object.keys(value)) if (!KNOWN.has(name)) invalid(name, "is not a setting");
  const out: ConnectionSettings = {};
  const v = value as Record<string, unknown>;
  if (v.protocol !== undefined) out.protocol = match("protocol", v.protocol, PROTOCOL);
  if (v.join !== undefined) out.join = match("join", v.join, CONNECTION_ID);
  if ((out.protocol === undefined) === (out.join === undefined)) {
    invalid("protocol", "must be given, or join instead (not both)");
  }
  if (v.readOnly !== undefined) {
    if (typeof v.readOnly !== "boolean") invalid("readOnly", "is not a boolean");
    out.readOnly = v.readOnly;
  }
  if (v.parameters !== undefined) out.parameters = parameters(v.parameters);
  for (const name of ["width", "height", "dpi"] as const) {
    const n = v[name];
    if (n === undefined) continue;
    const [min, max] = BOUNDS[name];
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      invalid(name, "is not an integer in range");
    }
    out[name] = n;
  }
  for (const name of ["audio", "video", "image"] as const) {
    const list = v[name];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length > MAX_TYPES) invalid(name, "is not a mimetype list");
    out[name] = list.map((type: unknown) => match(name, type, MIMETYPE));
  }
  if (v.timezone !== undefined) out.timezone = match("timezone", v.timezone, TIMEZONE);
  if (v.name !== undefined) out.name = match("name", v.name, NAME);
  if (v.labels !== undefined) out.labels = labels(v.labels);
  return out;
}

function labels(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) invalid("labels", "is not an object");
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) invalid("labels", "has too many names");
  const out: Record<string, string> = {};
  for (const [name, text] of entries) {
    if (!LABEL_NAME.test(name)) invalid("labels", "has a malformed name");
    out[name] = match(`labels.${name}`, text, LABEL_VALUE);
  }
  return out;
}

function parameters(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) invalid("parameters", "is not an object");
  const entries = Object.entries(value);
  if (entries.length > MAX_PARAMETERS) invalid("parameters", "has too many names");
  const out: Record<string, string> = {};
  for (const [name, text] of entries) {
    if (!PARAMETER.test(name)) invalid("parameters", "has a name guacd does not use");
    if (typeof text !== "string" || text.length > MAX_PARAMETER_CHARS) {
      invalid(`parameters.${name}`, "is not a string of reasonable length");
    }
    out[name] = text;
  }
  return out;
}

function match(name: string, value: unknown, pattern: RegExp): string {
  if (typeof value !== "string" || !pattern.test(value)) invalid(name, "is malformed");
  return value;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function invalid(name: string, problem: string): never {
  throw new TunnelError("TOKEN_SETTINGS", `Cannot accept token settings: ${name} ${problem}`);
}
