export {
  type ConnectOptions,
  connect,
  type GuacdConnection,
  type GuacdDuplex,
  type NodeTlsOptions,
} from "./connect.ts";
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
