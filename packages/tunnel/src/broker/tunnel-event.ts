import type { BridgeResult, TunnelTraffic } from "../bridge/result.ts";
import type { ConnectionSettings } from "./settings.ts";

/**
 * What the broker knows about a tunnel it is setting up, for {@link AcceptTunnelOptions.record}
 * and {@link AcceptTunnelOptions.onEvent}.
 */
export interface TunnelInfo {
  /** The tunnel UUID sent to the browser. */
  readonly uuid: string;
  /** The token's ID. */
  readonly tokenId: string;
  /** guacd's connection ID (`$…`), which another user can join. */
  readonly connectionId: string;
  /** The settings the handshake used (token settings plus allowed browser choices). */
  readonly settings: ConnectionSettings;
  /** The pool endpoint that holds the connection (with {@link AcceptTunnelOptions.pool}). */
  readonly endpoint?: string;
}

/**
 * One step of a tunnel's life, for logs and metrics: `refused` (token or settings, before any
 * guacd connection), `failed` (guacd unreachable or the handshake failed), `open`, `closed`.
 */
export type TunnelEvent =
  | {
      readonly type: "refused";
      readonly code: string;
      /** The Guacamole status the browser was told. */
      readonly status: number;
      readonly closeCode: number;
      /** The detail, for the server's logs only (the browser gets a fixed text). */
      readonly error?: Error;
    }
  | {
      readonly type: "failed";
      readonly status: number;
      readonly closeCode: number;
      readonly error: Error;
    }
  | {
      readonly type: "open";
      readonly info: TunnelInfo;
      /** Milliseconds from the guacd connect (or the registry lookup of a join) to `ready`. */
      readonly handshakeMs: number;
      /** The tunnel's byte counts, live until it closes (read them, e.g. for metrics). */
      readonly traffic: TunnelTraffic;
    }
  | { readonly type: "closed"; readonly info: TunnelInfo; readonly result: BridgeResult };
