// The behaviour suite both transports run, on neutral ground (as unjs/crossws runs one suite
// against each adapter): each transport's test file supplies a small harness (its test
// registrar, its functions, how its runtime runs a program) and calls defineTransportSuites.
// The servers, the simulator and the processes are written once here, on node:* modules that
// Node and Deno both implement; nothing here uses Deno.*.
import { defineGuacamoleSuite } from "./connect-guacamole.ts";
import type { TransportHarness } from "./harness.ts";
import { defineLiveGuacdSuite } from "./live-guacd.ts";
import { defineTransportSuite } from "./transport.ts";

export type {
  FloodServer,
  MutualTlsServer,
  ServerConnection,
  SimulatorSetup,
  SuiteConnection,
  SuiteConnectOptions,
  SuiteGuacamoleClient,
  SuiteGuacamoleOptions,
  SuiteSimulator,
  TestServer,
  TransportHarness,
} from "./harness.ts";
export { DEFAULT_HIGH_WATER_MARK, MAX_SOCKET_READ, VNC_DESKTOP_INSTRUCTIONS } from "./harness.ts";
export { readSlowly, rejectsWithCode, withServer } from "./helpers.ts";
export { type ProgramOutcome, runProgram } from "./processes.ts";
export { type Certificate, listen, listenFlood, makeCertificate } from "./servers.ts";

/** Registers every shared suite: connect(), connectGuacamole(), and the live guacd when set. */
export function defineTransportSuites(h: TransportHarness): void {
  defineTransportSuite(h);
  defineGuacamoleSuite(h);
  defineLiveGuacdSuite(h);
}
