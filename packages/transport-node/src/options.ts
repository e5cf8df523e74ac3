import type { ConnectionOptions } from "node:tls";
import type { GuacdConnectOptions } from "@guacstream/codec/transport";

/**
 * TLS settings for Node. The certificate chain and the host name are always verified; there is
 * deliberately no way to turn verification off.
 */
export interface NodeTlsOptions {
  /** Trusted CA certificates (PEM), replacing Node's bundled roots. */
  ca?: ConnectionOptions["ca"];
  /**
   * The name to send as SNI and to verify the certificate against.
   *
   * @default {the `host` option, unless it is an IP address (then the IP is verified, no SNI)}
   */
  servername?: string;
  /** Client certificate chain (PEM) for mutual TLS. */
  cert?: ConnectionOptions["cert"];
  /** Client private key (PEM) for mutual TLS. */
  key?: ConnectionOptions["key"];
  /** Passphrase for `key`. */
  passphrase?: string;
  /** Lowest TLS version to accept. @default {"TLSv1.2"} */
  minVersion?: ConnectionOptions["minVersion"];
}

/**
 * Where and how to connect: the codec's `GuacdConnectOptions` with Node's TLS settings. Every
 * field is optional.
 */
export interface ConnectOptions extends GuacdConnectOptions<NodeTlsOptions> {
  /**
   * Host name or IP address of guacd. `"localhost"` tries `::1`, then `127.0.0.1` (the codec's
   * `LOCALHOST_ADDRESSES`), because guacd is often bound to `::1` only.
   *
   * @default {"127.0.0.1"}
   */
  host?: string;
  /** `true` for TLS with Node's default CA roots, or the TLS settings. @default {false} */
  tls?: boolean | NodeTlsOptions;
  /**
   * Bytes queued in `readable` before the socket stops reading. The queue holds at most this plus
   * one socket read (64 KiB); Node's socket object holds at most one more read while paused, so
   * the process buffers at most `highWaterMark + 128 KiB` per connection.
   *
   * @default {65536}
   */
  highWaterMark?: number;
}
