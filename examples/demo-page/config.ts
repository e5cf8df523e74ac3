// The example brokers' configuration from their environment, shared by Node and Deno, and the
// checks that refuse to start an unsafe one: nothing is open unless the operator says so.
import type { TunnelLimiterOptions } from "@guacstream/tunnel";

/** What both brokers read from their environment (see each broker's header for the names). */
export interface BrokerConfig {
  /** Interface the tunnel and page listener binds. */
  readonly host: string;
  readonly port: number;
  /** `Host` headers answered; `undefined` means the listening address's own names. */
  readonly hosts: readonly string[] | undefined;
  /** `Origin`s allowed; `undefined` means `http://` + each answered host. */
  readonly origins: readonly string[] | undefined;
  /** Serve `/demo/token` (POST, own Origin only). */
  readonly demoTokens: boolean;
  /** The admin listener: `/metrics`, and `/admin/drain` with `adminToken`. */
  readonly admin: {
    readonly host: string;
    readonly port: number;
    /** Bearer token `/metrics` requires (required off loopback). */
    readonly metricsToken: string | undefined;
    /** Bearer token `/admin/drain` requires; without it there is no drain endpoint. */
    readonly adminToken: string | undefined;
  };
  /** Caps on tunnels, and what a client is: its address, or the token's `user` claim. */
  readonly limits: TunnelLimiterOptions;
  readonly clientKey: "address" | "user";
  /** Largest WebSocket message, in bytes (the `ws` package's `maxPayload`). */
  readonly maxMessageBytes: number;
  /** Milliseconds a closed socket waits for the peer's close frame before it is dropped. */
  readonly closeGrace: number;
  /** Milliseconds to receive a request's headers (and the whole request) before it is cut. */
  readonly headersTimeout: number;
  /** Milliseconds an HTTP connection may sit idle between requests. */
  readonly keepAliveTimeout: number;
}

/** A configuration the broker refuses to start with. */
export class BrokerConfigError extends Error {
  override readonly name = "BrokerConfigError";
  readonly code: "DEMO_TOKENS_WITH_REAL_GUACD" | "WILDCARD_WITHOUT_HOSTS" | "BAD_VALUE";
  constructor(code: BrokerConfigError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Whether `host` is a wildcard bind (every interface). */
export function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]" || host === "";
}

/**
 * Reads the configuration, and refuses (throws {@link BrokerConfigError}) what would leave the
 * broker open: demo tokens with a real guacd and a real secret (unless
 * `DEMO_TOKENS_WITH_REAL_GUACD=1` says so too), a wildcard bind without `ALLOWED_HOSTS`, and
 * `/metrics` off loopback without `METRICS_TOKEN`.
 */
export function brokerConfig(env: Readonly<Record<string, string | undefined>>): BrokerConfig {
  const host = env.HOST ?? "127.0.0.1";
  const realGuacd = env.GUACD_HOST !== undefined || env.GUACD_ENDPOINTS !== undefined;
  const demoTokens = env.DEMO_TOKENS === "1";
  if (
    demoTokens &&
    realGuacd &&
    env.GUACSTREAM_TOKEN_SECRET !== undefined &&
    env.DEMO_TOKENS_WITH_REAL_GUACD !== "1"
  ) {
    throw new BrokerConfigError(
      "DEMO_TOKENS_WITH_REAL_GUACD",
      "Cannot start: DEMO_TOKENS=1 hands anyone a token for a real guacd; set DEMO_TOKENS_WITH_REAL_GUACD=1 as well if that is really meant",
    );
  }
  const hosts = list(env.ALLOWED_HOSTS);
  if (isWildcard(host) && (hosts === undefined || hosts.includes("*"))) {
    throw new BrokerConfigError(
      "WILDCARD_WITHOUT_HOSTS",
      `Cannot start: HOST=${host} listens on every interface; list the names it answers in ALLOWED_HOSTS (name:port,...) against DNS rebinding`,
    );
  }
  const adminHost = env.METRICS_HOST ?? "127.0.0.1";
  const metricsToken = env.METRICS_TOKEN;
  if (!LOOPBACK.has(adminHost) && metricsToken === undefined) {
    throw new BrokerConfigError(
      "BAD_VALUE",
      `Cannot start: /metrics on ${adminHost} is off loopback; set METRICS_TOKEN`,
    );
  }
  return {
    host,
    port: integer(env, "PORT", 8080),
    hosts,
    origins: list(env.ALLOWED_ORIGINS),
    demoTokens,
    admin: {
      host: adminHost,
      port: integer(env, "METRICS_PORT", 9464),
      metricsToken,
      adminToken: env.ADMIN_TOKEN,
    },
    limits: {
      maxTunnels: integer(env, "MAX_TUNNELS", 1000),
      maxTunnelsPerClient: integer(env, "MAX_TUNNELS_PER_CLIENT", 16),
      newTunnelsPerMinute: integer(env, "NEW_TUNNELS_PER_MINUTE", 60),
    },
    clientKey: env.CLIENT_KEY === "user" ? "user" : "address",
    maxMessageBytes: integer(env, "MAX_MESSAGE_BYTES", 64 * 1024),
    closeGrace: integer(env, "CLOSE_GRACE_MS", 1000),
    headersTimeout: integer(env, "HEADERS_TIMEOUT_MS", 10_000),
    keepAliveTimeout: integer(env, "KEEP_ALIVE_TIMEOUT_MS", 5000),
  };
}

function list(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function integer(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
) {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new BrokerConfigError("BAD_VALUE", `Cannot start: ${name}=${text} is not a count`);
  }
  return value;
}

/** Whether a request's `Authorization` header carries `token` as a bearer token. */
export function hasBearer(header: string | null | undefined, token: string | undefined): boolean {
  if (token === undefined || header === null || header === undefined) return false;
  const expected = `Bearer ${token}`;
  if (header.length !== expected.length) return false;
  // Compared in full whatever differs first, so the time taken tells nothing.
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= header.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

/** The key a tunnel's caps are counted under. */
export function clientKeyOf(
  kind: "address" | "user",
  address: string,
  user: string | undefined,
): string {
  return kind === "user" && user !== undefined ? `user:${user}` : `address:${address}`;
}
