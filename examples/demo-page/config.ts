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
  /** New connections a second from one address (twice as many at once); past it, closed at once. */
  readonly connectionsPerSecond: number;
  /**
   * Milliseconds the open tunnels may run on after the first SIGTERM or SIGINT; the ones still
   * open then are closed (`513 Server draining`).
   */
  readonly drainGrace: number;
  /** Session recording (`RECORDING_DIR` and its settings); `undefined` records nothing. */
  readonly recording: RecordingConfig | undefined;
}

/** How sessions are recorded, and whether the recordings are served to the player. */
export interface RecordingConfig {
  /** The folder each session's `.guac` (and its sidecar) is written to. */
  readonly dir: string;
  /** Record joiners too, each into its own file. */
  readonly joins: boolean;
  /** Record the browser's key events (`RECORD_KEYS=1`): they can hold passwords. */
  readonly includeKeys: boolean;
  /** Most bytes one recording may hold; reaching it ends the session. */
  readonly maxBytes: number;
  /** Free bytes to leave in the folder; below it a recorded session ends. */
  readonly minFreeBytes: number;
  /** Write `<recording>.meta.json` when a recording closes. */
  readonly metadata: boolean;
  /** Bearer token for `/recordings` (the player); `undefined` means not served at all. */
  readonly serveToken: string | undefined;
}

/** A configuration the broker refuses to start with. */
export class BrokerConfigError extends Error {
  override readonly name = "BrokerConfigError";
  readonly code:
    | "DEMO_TOKENS_WITH_REAL_GUACD"
    | "WILDCARD_WITHOUT_HOSTS"
    | "RECORDINGS_UNSAFE"
    | "BAD_VALUE";
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
 * `DEMO_TOKENS_WITH_REAL_GUACD=1` says so too), a wildcard bind without `ALLOWED_HOSTS`,
 * `/metrics` off loopback without `METRICS_TOKEN`, and recordings served without a folder, a
 * sidecar or a strong `RECORDINGS_TOKEN`. A value that is not what its name takes is refused too.
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
      abuseCooldown: integer(env, "ABUSE_COOLDOWN_MS", 10_000),
    },
    clientKey: env.CLIENT_KEY === "user" ? "user" : "address",
    maxMessageBytes: integer(env, "MAX_MESSAGE_BYTES", 64 * 1024),
    closeGrace: integer(env, "CLOSE_GRACE_MS", 1000),
    headersTimeout: integer(env, "HEADERS_TIMEOUT_MS", 10_000),
    keepAliveTimeout: integer(env, "KEEP_ALIVE_TIMEOUT_MS", 5000),
    connectionsPerSecond: integer(env, "MAX_CONNECTIONS_PER_SECOND", 20),
    drainGrace: integer(env, "DRAIN_GRACE_MS", 30_000),
    recording: recordingConfig(env),
  };
}

/** Settings that only mean something with `RECORDING_DIR`. */
const RECORDING_SETTINGS = [
  "RECORD_JOINS",
  "RECORD_KEYS",
  "RECORDING_MAX_BYTES",
  "RECORDING_MIN_FREE_BYTES",
  "RECORDING_METADATA",
  "SERVE_RECORDINGS",
  "RECORDINGS_TOKEN",
] as const;

/** Shortest `RECORDINGS_TOKEN`: the recordings can hold everything a session showed, keys too. */
export const MIN_RECORDINGS_TOKEN_LENGTH = 32;

function recordingConfig(env: Readonly<Record<string, string | undefined>>) {
  const dir = env.RECORDING_DIR;
  if (dir === undefined || dir === "") {
    const stray = RECORDING_SETTINGS.find((name) => env[name] !== undefined && env[name] !== "");
    if (stray !== undefined) {
      throw new BrokerConfigError(
        "BAD_VALUE",
        `Cannot start: ${stray} is set but RECORDING_DIR is not, so nothing would be recorded`,
      );
    }
    return undefined;
  }
  const metadata = flag(env, "RECORDING_METADATA", true);
  const serve = flag(env, "SERVE_RECORDINGS", false);
  const token = env.RECORDINGS_TOKEN === "" ? undefined : env.RECORDINGS_TOKEN;
  if (serve) {
    if (token === undefined || token.length < MIN_RECORDINGS_TOKEN_LENGTH) {
      throw new BrokerConfigError(
        "RECORDINGS_UNSAFE",
        `Cannot start: SERVE_RECORDINGS=1 needs RECORDINGS_TOKEN of at least ${MIN_RECORDINGS_TOKEN_LENGTH} characters (openssl rand -hex 32)`,
      );
    }
    if (!metadata) {
      throw new BrokerConfigError(
        "RECORDINGS_UNSAFE",
        "Cannot start: SERVE_RECORDINGS=1 lists recordings by their sidecars; RECORDING_METADATA=0 turns them off",
      );
    }
  } else if (token !== undefined) {
    throw new BrokerConfigError(
      "BAD_VALUE",
      "Cannot start: RECORDINGS_TOKEN is set but SERVE_RECORDINGS=1 is not",
    );
  }
  const maxBytes = integer(env, "RECORDING_MAX_BYTES", 1024 * 1024 * 1024);
  if (maxBytes === 0) {
    throw new BrokerConfigError("BAD_VALUE", "Cannot start: RECORDING_MAX_BYTES=0 records nothing");
  }
  return {
    dir,
    joins: flag(env, "RECORD_JOINS", false),
    includeKeys: flag(env, "RECORD_KEYS", false),
    maxBytes,
    minFreeBytes: integer(env, "RECORDING_MIN_FREE_BYTES", 512 * 1024 * 1024),
    metadata,
    serveToken: serve ? token : undefined,
  } satisfies RecordingConfig;
}

/** `1` or `0`; anything else (`yes`, `true`) is refused rather than guessed. */
function flag(env: Readonly<Record<string, string | undefined>>, name: string, fallback: boolean) {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  if (text === "1") return true;
  if (text === "0") return false;
  throw new BrokerConfigError("BAD_VALUE", `Cannot start: ${name}=${text} is not 1 or 0`);
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
  // Digits only: `1e9`, `0x10` or ` 5` would be guesses at what was meant.
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
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
