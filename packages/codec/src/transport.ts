/**
 * What a transport shares with every other: dialling with a deadline and a fallback over
 * addresses (with one order for `localhost`), the connection shape, its streams and lifecycle
 * ({@linkcode SocketConnection}), one table from socket faults to typed errors, and the handshake
 * on a fresh connection. Runtime-free: a transport adds only its runtime's socket calls.
 * Applications use a transport package instead.
 *
 * @module
 */
export type { ConnectAttempt, GuacdConnectOptions } from "./connect/connect-attempt.ts";
export { connectAttempt, firstReachable } from "./connect/connect-attempt.ts";
export type {
  ClosableGuacdDuplex,
  ConnectedGuacamoleClient,
  ConnectGuacamoleWithOptions,
} from "./connect/connect-guacamole.ts";
export { connectGuacamoleWith } from "./connect/connect-guacamole.ts";
export type {
  GuacdConnectionErrorCode,
  GuacdConnectionErrorInit,
} from "./connect/connection-error.ts";
export { GuacdConnectionError } from "./connect/connection-error.ts";
export type { GuacdConnection } from "./connect/guacd-connection.ts";
export { dialAddresses, LOCALHOST_ADDRESSES, unbracketHost } from "./connect/localhost.ts";
export type { SocketFacts } from "./connect/socket-connection.ts";
export { SocketConnection } from "./connect/socket-connection.ts";
export type { SocketFault } from "./connect/socket-faults.ts";
export { connectFailure, ioFailure } from "./connect/socket-faults.ts";
export { whenStopped } from "./connect/stop.ts";
