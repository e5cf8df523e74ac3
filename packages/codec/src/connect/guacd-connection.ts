import type { GuacdDuplex } from "../session/guacd-duplex.ts";
import type { GuacdConnectionError } from "./connection-error.ts";

/**
 * An open connection to guacd, as every transport's `connect()` resolves with it: a byte duplex
 * with the socket's facts, one idempotent `close()` and one `closed` that never rejects.
 */
export interface GuacdConnection extends GuacdDuplex {
  /** Bytes from guacd. Ends on a clean close (FIN), errors on a reset. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to guacd. A write resolves once the socket has taken the whole chunk. */
  readonly writable: WritableStream<Uint8Array>;
  /** The peer's IP address. */
  readonly remoteAddress: string;
  /** The peer's port. */
  readonly remotePort: number;
  /** Our IP address. */
  readonly localAddress: string;
  /** Our port. */
  readonly localPort: number;
  /** Whether the connection is TLS. */
  readonly encrypted: boolean;
  /** Bytes read from the socket and handed to `readable` so far (after TLS decryption). */
  readonly bytesRead: number;
  /** Bytes the socket has taken from `writable` so far (before TLS encryption). */
  readonly bytesWritten: number;
  /**
   * Closes both directions at once. Data already accepted by `writable` is still sent; bytes
   * already queued in `readable` can still be read. Idempotent: every call returns the same wait.
   */
  close(): Promise<void>;
  /**
   * Settles exactly once, when the connection is gone. Resolves with `undefined` after a clean
   * close (ours or the peer's), or with the {@linkcode GuacdConnectionError} that ended it. Never
   * rejects.
   */
  readonly closed: Promise<GuacdConnectionError | undefined>;
}
