// One connection shape and one duplex shape for every transport: the codec's, not copies.
export type { GuacdDuplex } from "@guacstream/codec/client";
export type { GuacdConnection } from "@guacstream/codec/transport";
export { connect } from "./connect.ts";
export {
  GuacdConnectionError,
  type GuacdConnectionErrorCode,
  type GuacdConnectionErrorInit,
} from "./errors.ts";
export {
  type ConnectedGuacamoleClient,
  type ConnectGuacamoleOptions,
  connectGuacamole,
} from "./guacamole.ts";
export type { ConnectOptions, NodeTlsOptions } from "./options.ts";
