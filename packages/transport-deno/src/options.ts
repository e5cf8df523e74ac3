import type { GuacdConnectOptions } from "@guacstream/codec/transport";

/**
 * TLS settings for Deno. The certificate chain and the host name are always verified; there is
 * deliberately no way to turn verification off.
 */
export interface DenoTlsOptions {
  /** Extra trusted CA certificates (PEM), in addition to Deno's roots. */
  caCerts?: string[];
  /**
   * The name to send as SNI and to verify the certificate against.
   *
   * @default {the `host` option}
   */
  hostname?: string;
  /**
   * Client certificate chain (PEM) for mutual TLS; needs `key`. With a client certificate Deno
   * connects with `Deno.connectTls`, which resolves `hostname` itself (no `::1` fallback for
   * `localhost`).
   */
  cert?: string;
  /** Client private key (PEM) for mutual TLS. */
  key?: string;
}

/**
 * Where and how to connect: the codec's `GuacdConnectOptions` with Deno's TLS settings. Every
 * field is optional.
 */
export interface ConnectOptions extends GuacdConnectOptions<DenoTlsOptions> {
  /**
   * Host name or IP address of guacd. `"localhost"` tries `::1`, then `127.0.0.1` (the codec's
   * `LOCALHOST_ADDRESSES`), because guacd is often bound to `::1` only.
   *
   * @default {"127.0.0.1"}
   */
  host?: string;
  /** `true` for TLS with Deno's default CA roots, or the TLS settings. @default {false} */
  tls?: boolean | DenoTlsOptions;
  /**
   * Bytes queued in `readable` before the transport stops reading the socket. The process holds
   * at most this plus one socket read (64 KiB) per connection.
   *
   * @default {65536}
   */
  highWaterMark?: number;
}
