// The demo page's HTTP side, shared by the Node and Deno brokers: static files, the
// guacamole-common-js build, and demo tokens. Web-standard Request → Response only; each broker
// passes its runtime's file reader.
import {
  type ConnectionSettings,
  parseConnectionSettings,
  sealToken,
  type TokenKey,
} from "@guacstream/tunnel";

/** Options of {@link demoHandler}. */
export interface DemoHandlerOptions {
  /** The key the broker opens tokens with. */
  key: TokenKey;
  /**
   * The connections a demo page may ask a token for, by profile name (`?profile=vnc`). In a real
   * deployment the application that authenticates users issues tokens instead; this endpoint is
   * for the demo only, off unless the broker runs with `DEMO_TOKENS=1`.
   */
  profiles: Readonly<Record<string, ConnectionSettings>>;
  /** Reads a file (Node: `fs.promises.readFile`; Deno: `Deno.readFile`). */
  readFile: (url: URL) => Promise<Uint8Array>;
  /**
   * Lifetime of a demo token in milliseconds.
   * @default {60000}
   */
  tokenTtl?: number;
}

const here = new URL(".", import.meta.url);
const FILES: Readonly<Record<string, readonly [string, string]>> = {
  "/": ["public/index.html", "text/html; charset=utf-8"],
  "/index.html": ["public/index.html", "text/html; charset=utf-8"],
  "/app.js": ["public/app.js", "text/javascript; charset=utf-8"],
  "/player.html": ["public/player.html", "text/html; charset=utf-8"],
  "/player.js": ["public/player.js", "text/javascript; charset=utf-8"],
  "/style.css": ["public/style.css", "text/css; charset=utf-8"],
  "/vendor/guacamole-common.js": [
    "node_modules/@glokon/guacamole-common-js/lib/esm/guacamole.js",
    "text/javascript; charset=utf-8",
  ],
};

/** Answers the demo page's requests; `undefined` for any other path (the broker's own routes). */
export function demoHandler(
  options: DemoHandlerOptions,
): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/demo/token") {
      // POST: a browser always sends its Origin with one, which the broker requires.
      if (request.method !== "POST") return new Response("POST only\n", { status: 405 });
      const profile = url.searchParams.get("profile") ?? "vnc";
      // Own properties only: `__proto__`, `constructor` and the like name no profile.
      const settings = Object.hasOwn(options.profiles, profile)
        ? options.profiles[profile]
        : undefined;
      if (settings === undefined) return new Response("Unknown profile\n", { status: 404 });
      const token = await sealToken(options.key, settings, {
        expiresIn: options.tokenTtl ?? 60_000,
      });
      return Response.json({ token }, { headers: { "cache-control": "no-store" } });
    }
    if (request.method !== "GET") return undefined;
    const file = FILES[url.pathname];
    if (file === undefined) return undefined;
    const body = await options.readFile(new URL(file[0], here));
    return new Response(new Uint8Array(body), {
      headers: { "content-type": file[1], "cache-control": "no-store" },
    });
  };
}

/**
 * The demo connections: against the guacd simulator these pick its VNC and SSH recordings; against
 * a real guacd, `GUACD_CONNECTION` (JSON `ConnectionSettings`) names the one connection to offer.
 * Throws `TunnelError` `TOKEN_SETTINGS` if that JSON does not fit the schema.
 */
export function demoProfiles(connection: string | undefined): Record<string, ConnectionSettings> {
  if (connection !== undefined && connection !== "") {
    // Checked by the token schema here, so a mistake (`"readOnly": "true"`) stops the broker at
    // start instead of failing every tunnel.
    return { vnc: parseConnectionSettings(JSON.parse(connection)) };
  }
  return {
    vnc: { protocol: "vnc", parameters: { hostname: "desktop.sim", port: "5900" } },
    ssh: { protocol: "ssh", parameters: { hostname: "shell.sim", port: "22", username: "demo" } },
  };
}
