// The runtime-specific parts each suite is parameterised over (one harness per runtime: the
// Node one in transport-node's connect.test.ts, the Deno one in transport-deno's connect_test.ts),
// and the numbers both transports share.
import type {
  GuacamoleClient,
  GuacamoleClientOptions,
  HandshakeOptions,
} from "@guacstream/codec/client";
import type { GuacdConnection } from "@guacstream/codec/transport";
import type { GuacdSimulator, GuacdSimulatorOptions } from "@guacstream/guacd-sim";

/** What the suite needs from a transport's connection: the codec's, which both transports extend. */
export type SuiteConnection = GuacdConnection;

/** The connect options the suite uses; `tls` comes from {@linkcode Harness.tlsOptions}. */
export interface SuiteConnectOptions {
  host?: string;
  port?: number;
  timeout?: number;
  signal?: AbortSignal;
  highWaterMark?: number;
  tls?: unknown;
}

/** The server's end of one accepted connection. */
export interface ServerConnection {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** A listening test server. */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far (TCP level). */
  accepted(): number;
  close(): Promise<void>;
}

/** A server that writes to every connection as fast as the socket lets it. */
export interface FloodServer extends TestServer {
  /** Bytes the server's socket has taken, and whether it ever had to wait for the peer. */
  stats(): { bytesWritten: number; sawBackpressure: boolean };
}

/** A TLS echo server that requires a client certificate. */
export interface MutualTlsServer extends TestServer {
  /** The CN of the last client certificate the server accepted. */
  peerSubject(): string | undefined;
}

/** The runtime-specific parts the suite is parameterised over. */
export interface Harness {
  /** Registers one test. */
  test(name: string, fn: () => Promise<void>, options?: { skip?: boolean }): void;
  /** The transport under test. */
  connect(options?: SuiteConnectOptions): Promise<SuiteConnection>;
  /** A plain or TLS server on `host` (default 127.0.0.1), port 0. */
  listen(
    onConnection: (connection: ServerConnection) => void,
    options?: { host?: string; tls?: { cert: string; key: string } },
  ): Promise<TestServer>;
  /** A server that accepts TCP and never sends a byte (a TLS handshake against it hangs). */
  listenSilent(): Promise<TestServer>;
  /** A server that resets (TCP RST) each connection as soon as it receives a byte. */
  listenResetting(): Promise<TestServer>;
  /** A server that floods every connection. */
  listenFlood(): Promise<FloodServer>;
  /**
   * A self-signed certificate (openssl) for CN=localhost with SAN DNS:localhost and, unless
   * `dnsOnly`, IP:127.0.0.1.
   */
  makeCertificate(dnsOnly?: boolean): Promise<{ cert: string; key: string }>;
  /**
   * The transport's TLS option value trusting `ca` (or the default roots), verifying `name`, and
   * presenting `client` as the client certificate.
   */
  tlsOptions(ca?: string, name?: string, client?: { cert: string; key: string }): unknown;
  /** A TLS echo server trusting exactly `certificate` on both sides (client certificate required). */
  listenMutualTls(certificate: { cert: string; key: string }): Promise<MutualTlsServer>;
  /** Whether `::1` can be bound here. */
  ipv6Loopback(): Promise<boolean>;
  /**
   * Runs a fresh process that connects to `port`, echoes one message, calls `close()` and does not
   * exit explicitly. Resolves with how it ended; the harness kills it after `limitMs`.
   */
  runClientProcess(port: number, limitMs: number): Promise<{ exited: boolean; output: string }>;
}

const KiB = 1024;
/** Default `highWaterMark` of both transports. */
export const DEFAULT_HIGH_WATER_MARK: number = 64 * KiB;
/** The largest chunk one socket read delivers (libuv's and the Deno transport's read size). */
export const MAX_SOCKET_READ: number = 64 * KiB;
/** Instructions guacd 1.6 sent after `ready` in `vnc-desktop.s2c.guac`, `disconnect` included. */
export const VNC_DESKTOP_INSTRUCTIONS = 3457;

/** The client `connectGuacamole` returns, as the suite uses it (both transports' types fit). */
export interface SuiteGuacamoleClient extends GuacamoleClient {
  readonly connection: SuiteConnection;
}

/** The `connectGuacamole` options the suite uses. */
export type SuiteGuacamoleOptions = SuiteConnectOptions &
  Omit<HandshakeOptions, "timeout" | "signal"> &
  GuacamoleClientOptions & { handshakeTimeout?: number };

/** How to start a simulator: the core's options, and a certificate to serve TLS with. */
export interface SimulatorSetup extends Omit<GuacdSimulatorOptions, "corpus"> {
  tls?: { cert: string; key: string };
}

/** A simulator listening on loopback, port 0. */
export interface SuiteSimulator {
  readonly host: string;
  readonly port: number;
  readonly simulator: GuacdSimulator;
  close(): Promise<void>;
}

/** The runtime-specific parts of the connectGuacamole suite. */
export interface GuacamoleHarness
  extends Pick<Harness, "test" | "listen" | "listenSilent" | "makeCertificate" | "tlsOptions"> {
  /** The transport's `connectGuacamole`. */
  connectGuacamole(options: SuiteGuacamoleOptions): Promise<SuiteGuacamoleClient>;
  /** The guacd simulator's core served on this runtime's sockets (plain or TLS). */
  startSimulator(setup?: SimulatorSetup): Promise<SuiteSimulator>;
  /** The process's resident set and the memory held by ArrayBuffers outside the JS heap. */
  memory(): { rss: number; buffers: number };
  /**
   * Runs the package's `examples/hello.ts` in a fresh process with `env` added; it must exit by
   * itself. The harness kills it after `limitMs`.
   */
  runExample(
    env: Record<string, string>,
    limitMs: number,
  ): Promise<{ exited: boolean; code: number | null; output: string }>;
  /** An environment variable, or undefined. */
  env(name: string): string | undefined;
}
