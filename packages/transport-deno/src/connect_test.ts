// The shared transport suites (packages/transport-suite) against this transport; their servers
// run on Deno's node:net and node:tls. From the repository root:
//   npx deno test --allow-net --allow-read --allow-write --allow-run --allow-env \
//     packages/transport-deno/
// (the transport itself needs only --allow-net; the rest is openssl, temp files, the corpus, a
// child deno and GUACD_HOST for the live suite).
import assert from "node:assert/strict";
import { flushRealSleeps, sleepReal } from "@guacstream/test-support/real-sleep";
import { defineTransportSuites, type TransportHarness } from "@guacstream/transport-suite";
import {
  type ConnectGuacamoleOptions,
  type ConnectOptions,
  connect,
  connectGuacamole,
  GuacdConnectionError,
} from "./index.ts";

const harness: TransportHarness = {
  test: (name, fn, options) => Deno.test({ name, fn, ignore: options?.skip ?? false }),
  connect: (options) => connect(options as ConnectOptions),
  connectGuacamole: (options) => connectGuacamole(options as ConnectGuacamoleOptions),
  tlsOptions: (ca, name, client) =>
    ca === undefined && name === undefined && client === undefined
      ? true
      : {
          ...(ca === undefined ? {} : { caCerts: [ca] }),
          ...(name === undefined ? {} : { hostname: name }),
          ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
        },
  sleepReal,
  GuacdConnectionError,
  packageDir: new URL("..", import.meta.url).pathname,
  runtime: {
    command: Deno.execPath(),
    // The workspace config, so the transport resolves @guacstream/codec.
    args: [
      "run",
      "--config",
      new URL("../../../deno.json", import.meta.url).pathname,
      "--allow-net=127.0.0.1",
      "--allow-env",
    ],
    cwd: new URL("../../..", import.meta.url).pathname,
  },
};

defineTransportSuites(harness);

// The real sleeps go to the tally `npm test` sums, as vitest's setup does for the Node files.
globalThis.addEventListener("unload", () => {
  flushRealSleeps(
    new URL("../../../.test-results", import.meta.url).pathname,
    new URL(import.meta.url).pathname,
  );
});

Deno.test("a client certificate needs both cert and key", async () => {
  await assert.rejects(connect({ port: 1, tls: { cert: "x" } }), TypeError);
});
