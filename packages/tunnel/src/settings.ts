import type { HandshakeOptions } from "@guacstream/codec";
import { TunnelError } from "./errors.ts";

/**
 * Where and how to connect: what a token carries, and what the bridge hands to the guacd handshake
 * (the shape of `@guacstream/codec`'s `HandshakeOptions`, less `timeout` and `signal`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ConnectionSettings } from "@guacstream/tunnel";
 *
 * const settings: ConnectionSettings = {
 *   protocol: "vnc",
 *   parameters: { hostname: "desktop.internal", port: "5900" },
 *   width: 1280,
 *   height: 800,
 * };
 * assert.equal(settings.protocol, "vnc");
 * ```
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
}

/**
 * The settings a browser may choose itself, in the tunnel URL's query (`width`, `height`, `dpi`,
 * `timezone`, and `audio`, `video`, `image` repeated once per mimetype).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BROWSER_SETTINGS } from "@guacstream/tunnel";
 *
 * assert.ok(BROWSER_SETTINGS.includes("timezone"));
 * ```
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
