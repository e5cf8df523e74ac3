// What each suite is parameterised over (one harness per runtime: in transport-node's
// connect.test.ts and transport-deno's connect_test.ts), and the numbers both transports share.
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
  /** Resolves once `count` connections have been accepted. */
  whenAccepted(count: number): Promise<void>;
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

/**
 * What a transport's test file gives the suites: its runtime's test registrar, the transport's
 * functions, and how its runtime runs a program on the sources. Everything else (servers, the
 * simulator, certificates, processes) the suites bring themselves.
 */
export interface TransportHarness {
  /** Registers one test; `timeout` (ms) where the runner has one. */
  test(name: string, fn: () => Promise<void>, options?: { skip?: boolean; timeout?: number }): void;
  /** The transport's `connect`. */
  connect(options?: SuiteConnectOptions): Promise<SuiteConnection>;
  /** The transport's `connectGuacamole`. */
  connectGuacamole(options: SuiteGuacamoleOptions): Promise<SuiteGuacamoleClient>;
  /**
   * The transport's TLS option value trusting `ca` (or the default roots), verifying `name`, and
   * presenting `client` as the client certificate.
   */
  tlsOptions(ca?: string, name?: string, client?: { cert: string; key: string }): unknown;
  /**
   * Waits `ms` of wall-clock time, for the few waits on a real socket that nothing announces; the
   * Node harness passes test-support's tallied `sleepReal`.
   */
  sleepReal(ms: number): Promise<void>;
  /** The package's `GuacdConnectionError` export: it must be the codec's. */
  readonly GuacdConnectionError: unknown;
  /** The transport package's folder: `src/index.ts` and `examples/hello.ts` are in it. */
  readonly packageDir: string;
  /** How the runtime runs a TypeScript program on the sources: the arguments before the script. */
  readonly runtime: {
    readonly command: string;
    readonly args: readonly string[];
    readonly cwd: string;
  };
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
