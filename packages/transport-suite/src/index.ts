// The behaviour suite both transports run, on neutral ground: each transport's test file supplies
// a harness (its connect, servers on its runtime's sockets) and registers these suites with it.
// Runtime-free: node:assert only (Deno has it), no other node:*, no Deno.*.
export { defineGuacamoleSuite } from "./connect-guacamole.ts";
export type {
  FloodServer,
  GuacamoleHarness,
  Harness,
  MutualTlsServer,
  ServerConnection,
  SimulatorSetup,
  SuiteConnection,
  SuiteConnectOptions,
  SuiteGuacamoleClient,
  SuiteGuacamoleOptions,
  SuiteSimulator,
  TestServer,
} from "./harness.ts";
export { DEFAULT_HIGH_WATER_MARK, MAX_SOCKET_READ, VNC_DESKTOP_INSTRUCTIONS } from "./harness.ts";
export { rejectsWithCode, withServer } from "./helpers.ts";
export { defineLiveGuacdSuite } from "./live-guacd.ts";
export { defineTransportSuite } from "./transport.ts";
