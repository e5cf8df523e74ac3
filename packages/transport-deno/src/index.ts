export {
  type ConnectOptions,
  connect,
  type DenoTlsOptions,
  type GuacdConnection,
  type GuacdDuplex,
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
