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
   * `Host` header values answered (`name:port`). Default: the listening address, and for a
   * loopback one `localhost`, `127.0.0.1` and `[::1]` with the port. A wildcard address
   * (`0.0.0.0`, `::`) has no default: the broker refuses to start without a list.
   */
  hosts?: readonly string[] | undefined;
  /**
   * `Origin` header values allowed to open a tunnel or fetch a token; default: `http://` and
   * `https://` with each answered host. Never derived from the request's own `Host`.
   */
  origins?: readonly string[] | undefined;
}

/** The verdict on one request: `undefined` to serve it, or the status and fixed text to refuse with. */
export type Refusal = { readonly status: 400 | 403; readonly text: string } | undefined;

/**
 * Checks a request's `Host` (DNS rebinding: a page on another name reaching the broker) and
 * `Origin` (cross-site use), both against lists fixed at start. Where `originRequired` (a
 * WebSocket upgrade, a token request: browsers always send `Origin` with them), a missing
 * `Origin` is refused; elsewhere it may be missing but not foreign.
 */
export function requestPolicy(
  options: RequestPolicyOptions,
): (headers: { host: string | null; origin: string | null }, originRequired: boolean) => Refusal {
  const hostList = options.hosts ?? defaultHosts(options.host, options.port);
  if (hostList.length === 0 || hostList.includes("*")) {
    throw new RangeError("Cannot build the request policy: list the Host names answered");
  }
  const hosts = new Set(hostList.map(lower));
  const origins = new Set(
    (options.origins ?? hostList.flatMap((h) => [`http://${h}`, `https://${h}`])).map(lower),
  );
  return ({ host, origin }, originRequired) => {
    if (host === null || !hosts.has(lower(host))) {
      return { status: 403, text: "Forbidden host\n" };
    }
    if (origin === null)
      return originRequired ? { status: 403, text: "Origin required\n" } : undefined;
    return origins.has(lower(origin)) ? undefined : { status: 403, text: "Forbidden origin\n" };
  };
}

function defaultHosts(host: string, port: number): string[] {
  if (host === "0.0.0.0" || host === "::" || host === "[::]" || host === "") return [];
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].includes(host);
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
