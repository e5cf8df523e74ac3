// What both example brokers decide the same way, before any tunnel code runs: which Host and
// Origin headers they answer (against cross-site use and DNS rebinding), and where a session's
// recording may go. Web-standard and path-free, so Node and Deno share it.
import type { TunnelInfo } from "@guacstream/tunnel";

/** Options of {@link requestPolicy}. */
export interface RequestPolicyOptions {
  /** The interface the broker listens on (`HOST`). */
  host: string;
  /** The port it listens on. */
  port: number;
  /**
   * `Host` header values answered (`name:port`); `["*"]` answers any. Default: the listening
   * address, and for a loopback one `localhost`, `127.0.0.1` and `[::1]` with the port; for a
   * wildcard address (`0.0.0.0`, `::`), any.
   */
  hosts?: readonly string[] | undefined;
  /**
   * `Origin` header values allowed to open a tunnel or fetch a token; default: the page's own
   * origin, `http://<Host>` (set `https://…` origins when the broker sits behind TLS).
   */
  origins?: readonly string[] | undefined;
}

/** The verdict on one request: `undefined` to serve it, or the status and fixed text to refuse with. */
export type Refusal = { readonly status: 400 | 403; readonly text: string } | undefined;

/**
 * Checks a request's `Host` (DNS rebinding: a page on another name reaching a loopback broker)
 * and `Origin` (cross-site use). A WebSocket upgrade must carry an allowed `Origin` (browsers
 * always send one); a plain request may omit it (a same-origin GET does) but not send a foreign
 * one.
 */
export function requestPolicy(
  options: RequestPolicyOptions,
): (headers: { host: string | null; origin: string | null }, upgrade: boolean) => Refusal {
  const hosts = new Set((options.hosts ?? defaultHosts(options.host, options.port)).map(lower));
  const origins = options.origins === undefined ? undefined : new Set(options.origins.map(lower));
  return ({ host, origin }, upgrade) => {
    if (host === null || (!hosts.has("*") && !hosts.has(lower(host)))) {
      return { status: 403, text: "Forbidden host\n" };
    }
    if (origin === null) return upgrade ? { status: 403, text: "Forbidden origin\n" } : undefined;
    const allowed =
      origins === undefined
        ? lower(origin) === `http://${lower(host)}`
        : origins.has(lower(origin));
    return allowed ? undefined : { status: 403, text: "Forbidden origin\n" };
  };
}

function defaultHosts(host: string, port: number): string[] {
  if (host === "0.0.0.0" || host === "::" || host === "") return ["*"];
  const bracketed = host.includes(":") ? `[${host}]` : host;
  const loopback = ["127.0.0.1", "localhost", "::1"].includes(host);
  const names = loopback ? ["localhost", "127.0.0.1", "[::1]"] : [bracketed];
  return names.map((name) => `${name}:${port}`);
}

function lower(text: string): string {
  return text.toLowerCase();
}

/**
 * The file name of one tunnel's recording: guacd's connection id reduced to safe characters (it
 * comes from guacd's `ready`, which a hostile guacd controls) plus the tunnel's own UUID, so two
 * users of one connection never share (or truncate) a file. Combined with the folder by the
 * broker, which also checks the result stays inside it.
 */
export function recordingFileName(info: TunnelInfo): string {
  const id = info.connectionId.replace(/[^A-Za-z0-9-]/g, "").slice(0, 64) || "connection";
  const uuid = info.uuid.replace(/[^A-Za-z0-9-]/g, "");
  return `${id}-${uuid}.guac`;
}

/** Whether a tunnel is recorded: an owner always; a joiner only when `recordJoins` is set. */
export function shouldRecord(info: TunnelInfo, recordJoins: boolean): boolean {
  return info.settings.join === undefined || recordJoins;
}
