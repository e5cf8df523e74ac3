/**
 * What a transport shares with every other: dialling with a deadline and a fallback over
 * addresses, the connection shape and its typed errors, and the handshake on a fresh connection.
 * Applications use a transport package (or the main entry) instead.
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
