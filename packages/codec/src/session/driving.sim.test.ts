// Driving a session through GuacamoleClient against the guacd simulator in its guacd-like mode
// (SSH: keystroke echo, size honoured, live arguments, an SFTP filesystem), over in-memory
// streams and over loopback TCP.
import { createConnection } from "node:net";
import {
  GuacdSimulator,
  guacdLikeOptions,
  type SessionReport,
  SimulatedFilesystem,
} from "@guacstream/guacd-sim";
import { loadCorpus, socketToDuplex, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { GuacamoleClient } from "./client.ts";
import type { GuacamoleClientOptions } from "./client-options.ts";
import { KEYSYMS } from "./input/keysyms.ts";
import { GUACAMOLE_STATUS } from "./status.ts";

type Corpus = Awaited<ReturnType<typeof loadCorpus>>;
let corpus: Corpus;
beforeAll(async () => {
  corpus = await loadCorpus();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const BIG = new Uint8Array(3 * 4096 + 123).map((_, i) => (i * 31) % 251);

function files(): SimulatedFilesystem {
  return new SimulatedFilesystem({
    files: { "/etc/motd": "Welcome\n", "/home/guac/big.bin": BIG },
    readOnly: ["/etc"],
  });
}

/** The corpus, with guacd's `args` for SSH claiming `version` instead of VERSION_1_5_0. */
function withVersion(version: string): Corpus {
  const ssh = new TextDecoder().decode(corpus.args.ssh);
  return {
    ...corpus,
    args: { ...corpus.args, ssh: new TextEncoder().encode(ssh.replace("VERSION_1_5_0", version)) },
  };
}

interface Opened {
  readonly client: GuacamoleClient;
  readonly sim: GuacdSimulator;
  /** The simulator's report of this session, live. */
  report(): SessionReport;
}

async function open(
  transport: "memory" | "tcp",
  options: {
    filesystem?: SimulatedFilesystem;
    corpus?: Corpus;
    client?: GuacamoleClientOptions;
  } = {},
): Promise<Opened> {
  const simOptions = {
    ...guacdLikeOptions(),
    corpus: options.corpus ?? corpus,
    filesystem: options.filesystem ?? files(),
  };
  let sim: GuacdSimulator;
  let client: GuacamoleClient;
  if (transport === "memory") {
    sim = new GuacdSimulator(simOptions);
    const toGuacd = new TransformStream<Uint8Array, Uint8Array>();
    const toClient = new TransformStream<Uint8Array, Uint8Array>();
    void sim.serve({ readable: toGuacd.readable, writable: toClient.writable });
    client = new GuacamoleClient(
      { readable: toClient.readable, writable: toGuacd.writable },
      options.client,
    );
    cleanups.push(() => sim.closeAll());
  } else {
    const server = await startGuacdSimulator(simOptions);
    sim = server.simulator;
    cleanups.push(() => server.close());
    const socket = createConnection({ host: server.host, port: server.port });
    await new Promise<void>((resolve, reject) =>
      socket.once("connect", resolve).once("error", reject),
    );
    client = new GuacamoleClient(socketToDuplex(socket), options.client);
  }
  cleanups.unshift(() => client.close());
  await client.handshake({ protocol: "ssh", parameters: { hostname: "h", "enable-sftp": true } });
  void (async () => {
    while ((await client.readInstruction()) !== undefined);
  })().catch(() => {});
  return { client, sim, report: () => sim.sessions[0]! };
}

async function until(condition: () => boolean, timeout = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeout) throw new Error("condition not met in time");
    await new Promise((r) => setImmediate(r)); // a turn of the event loop, no timer
  }
}

const bytesOf = async (readable: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(readable).arrayBuffer());

describe.each(["memory", "tcp"] as const)("driving the simulator over %s", (transport) => {
  test("type() reaches guacd as guacamole-common-js's keysyms, and each press is echoed", async () => {
    const { client, report } = await open(transport);
    await client.keyboard.type("aé世😀");
    await client.keyboard.press(KEYSYMS.Enter);
    await until(() => report().input.key.length === 10);
    expect(report().input.key.map((k) => k.join(","))).toEqual([
      "97,1",
      "97,0",
      "233,1",
      "233,0",
      `${0x01004e16},1`,
      `${0x01004e16},0`,
      `${0x0101f600},1`,
      `${0x0101f600},0`,
      "65293,1",
      "65293,0",
    ]);
    await until(() => report().output.keyEchoes === 5);
  });

  test("mouse moves, clicks and scrolls", async () => {
    const { client, report } = await open(transport);
    await client.mouse.click(40, 50, "left", 2);
    await client.mouse.scroll(1);
    await until(() => report().input.mouse.length === 6);
    expect(report().input.mouse.map((m) => m.join(","))).toEqual([
      "40,50,1",
      "40,50,0",
      "40,50,1",
      "40,50,0",
      "40,50,16",
      "40,50,0",
    ]);
  });

  test("resize: guacd's new size of layer 0 comes back through onSize", async () => {
    const sizes: string[] = [];
    const { client } = await open(transport, {
      client: { onSize: (s) => sizes.push(`${s.width}x${s.height}`) },
    });
    const next = client.display.nextSize();
    await client.display.resize(1111, 555);
    expect(await next).toEqual({ width: 1111, height: 555 });
    expect(sizes.at(-1)).toBe("1111x555");
  });

  test("setArgument: an offered name is applied and echoed, another refused by name", async () => {
    const { client, report } = await open(transport);
    await until(() => client.arguments.get("font-size") === "12");
    expect(client.arguments.names).toEqual(["color-scheme", "font-name", "font-size"]);
    await client.arguments.set("font-size", "16");
    await until(() => client.arguments.get("font-size") === "16"); // echoed by the simulator
    expect(report().input.argv["font-size"]).toBe("16");
    await expect(client.arguments.set("hostname", "elsewhere")).rejects.toMatchObject({
      code: "UNKNOWN_ARGUMENT",
    });
  });

  test("filesystem: list, a download larger than one blob, upload and back, refusal, silence", async () => {
    const fs0 = files();
    const { client } = await open(transport, { filesystem: fs0 });
    const fs = await client.filesystem();
    expect((await fs.list("/")).map((e) => [e.name, e.directory])).toEqual([
      ["etc", true],
      ["home", true],
      ["tmp", true],
    ]);
    const big = await bytesOf(fs.download("/home/guac/big.bin"));
    expect(Buffer.compare(big, BIG)).toBe(0);

    const data = new Uint8Array(70_000).map((_, i) => (i * 13) % 256);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < data.length; at += 999) yield data.subarray(at, at + 999);
    }
    await fs.upload("/tmp/up.bin", chunks());
    expect(Buffer.compare(fs0.read("/tmp/up.bin")!, data)).toBe(0);
    expect(Buffer.compare(await bytesOf(fs.download("/tmp/up.bin")), data)).toBe(0);

    await expect(fs.upload("/etc/passwd", new Uint8Array(10))).rejects.toMatchObject({
      code: "REFUSED",
      status: GUACAMOLE_STATUS.CLIENT_FORBIDDEN,
    });
    expect(fs0.read("/etc/passwd")).toBeUndefined();
    await expect(fs.list("/missing", { timeout: 150 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  test("touch is refused on protocol 1.1 before anything is sent", async () => {
    const { client, report } = await open(transport, { corpus: withVersion("VERSION_1_1_0") });
    expect(client.protocolVersion).toBe("VERSION_1_1_0");
    await expect(client.touch.touch(0, { x: 1, y: 1 })).rejects.toMatchObject({
      code: "UNSUPPORTED_VERSION",
    });
    await client.keyboard.press(0x61);
    await until(() => report().input.key.length === 2);
    expect(report().input.other).not.toContain("touch");
  });
});

test("a 200 MB streaming upload over TCP to the simulator's /dev/null keeps memory flat", {
  timeout: 120_000,
}, async () => {
  const { client, report } = await open("tcp");
  const fs = await client.filesystem();
  const total = 200 * 1024 * 1024;
  const chunk = new Uint8Array(64 * 1024);
  let made = 0;
  let baseline = 0;
  let peak = 0;
  const source = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (made === total) return controller.close();
        made += chunk.length;
        const rss = process.memoryUsage().rss;
        if (made === 32 * chunk.length) baseline = rss;
        if (made > 32 * chunk.length) peak = Math.max(peak, rss);
        controller.enqueue(chunk.slice()); // a fresh chunk each time, as a file reader gives
      },
    },
    { highWaterMark: 0 },
  );
  await fs.upload("/dev/null", source);
  expect(made).toBe(total);
  expect(report().input.acks).toBeGreaterThan(0);
  expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
});
