// The shared transport suites (packages/transport-suite) against this transport, plus what only
// Node can show: the bound on Node's own socket buffer, seen through the raw socket.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { readFile } from "node:fs/promises";
import type { Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleepReal } from "@guacstream/test-support";
import {
  defineTransportSuites,
  listenFlood,
  MAX_SOCKET_READ,
  readSlowly,
  type SuiteGuacamoleOptions,
  type TransportHarness,
} from "@guacstream/transport-suite";
import { expect, test } from "vitest";
import {
  type ConnectGuacamoleOptions,
  type ConnectOptions,
  connect,
  connectGuacamole,
  GuacdConnectionError,
} from "./index.ts";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const root = join(packageDir, "..", "..");

const harness: TransportHarness = {
  test: (name, fn, options) =>
    options?.skip ? test.skip(name, fn) : test(name, fn, options?.timeout ?? 20_000),
  connect: (options) => connect(options as ConnectOptions),
  connectGuacamole: (options: SuiteGuacamoleOptions) =>
    connectGuacamole(options as ConnectGuacamoleOptions),
  tlsOptions: (ca, name, client) =>
    ca === undefined && name === undefined && client === undefined
      ? true
      : {
          ...(ca === undefined ? {} : { ca }),
          ...(name === undefined ? {} : { servername: name }),
          ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
        },
  sleepReal,
  GuacdConnectionError,
  packageDir,
  // On the sources, like every other test (the codec's dist/ may be stale or missing).
  runtime: {
    command: process.execPath,
    args: ["--conditions=@guacstream/source", "--import", "tsx"],
    cwd: root,
  },
};

defineTransportSuites(harness);

test("a slow reader: the whole process holds at most highWaterMark + 2 socket reads", async () => {
  // The suite bounds the web stream's queue; this also counts Node's socket buffer, by watching
  // the raw socket that net.connect creates (diagnostics_channel "net.client.socket").
  const sockets: Socket[] = [];
  const onSocket = (message: unknown): void => {
    sockets.push((message as { socket: Socket }).socket);
  };
  subscribe("net.client.socket", onSocket);
  const server = await listenFlood();
  try {
    const highWaterMark = 32 * 1024;
    const connection = await connect({ port: server.port, highWaterMark });
    const socket = sockets.at(-1)!;
    const { maxHeld } = await readSlowly(connection, (consumed) => socket.bytesRead - consumed, {
      highWaterMark,
    });
    const bound = highWaterMark + 2 * MAX_SOCKET_READ;
    expect(maxHeld).toBeLessThanOrEqual(bound);
    expect(server.stats().sawBackpressure).toBe(true);
    await connection.close();
  } finally {
    unsubscribe("net.client.socket", onSocket);
    await server.close();
  }
});

test("each README's complete example is its examples/hello.ts, verbatim", async () => {
  const rootReadme = await readFile(join(root, "README.md"), "utf8");
  for (const pkg of ["transport-node", "transport-deno"]) {
    const dir = join(root, "packages", pkg);
    const [readme, hello] = await Promise.all([
      readFile(join(dir, "README.md"), "utf8"),
      readFile(join(dir, "examples", "hello.ts"), "utf8"),
    ]);
    expect(readme, pkg).toContain(`\`\`\`ts\n${hello.trimEnd()}\n\`\`\``);
    // The root README shows both programs too.
    expect(rootReadme, pkg).toContain(`\`\`\`ts\n${hello.trimEnd()}\n\`\`\``);
  }
});
