// Driving a session through GuacamoleClient over in-memory streams, against a scripted guacd that
// answers as guacd 1.6's SSH support does: keys, size, argv (color-scheme, font-size), and an SFTP
// filesystem object (silence for a path it cannot read, acks pacing every transfer).
import { afterEach, describe, expect, test, vi } from "vitest";
import { decodeInstruction, encodeInstruction, InstructionDecoderStream } from "../index.ts";
import { GuacamoleClientError } from "../wire/errors.ts";
import type { Instruction } from "../wire/instruction.ts";
import { GuacamoleClient } from "./client.ts";
import type { GuacamoleClientOptions } from "./client-options.ts";
import { GuacamoleFilesystemError } from "./files/filesystem-error.ts";
import { STREAM_INDEX_MIMETYPE } from "./files/stream-index.ts";
import { KEYSYMS } from "./input/keysyms.ts";
import { GUACAMOLE_STATUS } from "./status.ts";

const INDEX = STREAM_INDEX_MIMETYPE;
/** guacd reads SFTP files 4096 bytes at a time. */
const SFTP_READ = 4096;

interface FakeGuacd {
  readonly client: GuacamoleClient;
  readonly received: Instruction[];
  readonly files: Map<string, Uint8Array>;
  readonly argv: Map<string, string>;
  /** Acks guacd sent, as `stream:status`. */
  readonly acksSent: string[];
}

const text = (s: string) => new TextEncoder().encode(s);
const wire = (opcode: string, ...args: (string | number)[]) =>
  encodeInstruction({ opcode, args: args.map(String) });

/** A guacd with an SFTP filesystem at object 0; "/readonly" refuses writes as guacd's SFTP does. */
async function sshGuacd(
  options: { version?: string; filesystem?: boolean; clientOptions?: GuacamoleClientOptions } = {},
): Promise<FakeGuacd> {
  const version = options.version ?? "VERSION_1_5_0";
  const toGuacd = new TransformStream<Uint8Array, Uint8Array>();
  const toClient = new TransformStream<Uint8Array, Uint8Array>();
  const writer = toClient.writable.getWriter();
  const send = (t: string) => writer.write(text(t));
  const received: Instruction[] = [];
  const acksSent: string[] = [];
  const files = new Map<string, Uint8Array>([
    ["/etc/motd", text("Welcome\n")],
    ["/home/guac/big.bin", new Uint8Array(3 * SFTP_READ + 123).map((_, i) => (i * 31) % 251)],
  ]);
  const argv = new Map([
    ["color-scheme", "gray-black"],
    ["font-size", "12"],
  ]);
  // Outbound (guacd -> client) body streams: what is left to send on each ack.
  const outbound = new Map<string, Uint8Array>();
  // Inbound (client -> guacd) streams: put/argv/file by stream index.
  const inbound = new Map<string, { kind: string; name: string; parts: Uint8Array[] }>();
  let nextStream = 10;
  const ack = (stream: string, message: string, status: number) => {
    acksSent.push(`${stream}:${status}`);
    return send(wire("ack", stream, message, status));
  };
  const dirOf = (path: string) => path.slice(0, path.lastIndexOf("/")) || "/";
  const listing = (dir: string) => {
    const entries: Record<string, string> = {};
    for (const path of files.keys()) {
      if (dirOf(path) === dir) entries[path] = "application/octet-stream";
      else if (path.startsWith(dir === "/" ? "/" : `${dir}/`)) {
        const rest = path.slice(dir === "/" ? 1 : dir.length + 1);
        entries[`${dir === "/" ? "" : dir}/${rest.split("/")[0]}`] = INDEX;
      }
    }
    return entries;
  };
  const isDir = (path: string) =>
    path === "/" || [...files.keys()].some((p) => p.startsWith(`${path}/`));

  void (async () => {
    for await (const item of toGuacd.readable.pipeThrough(
      new InstructionDecoderStream(),
    ) as unknown as AsyncIterable<Instruction>) {
      received.push(item);
      const [a0 = "", a1 = "", a2 = "", a3 = ""] = item.args;
      switch (item.opcode) {
        case "select":
          await send(wire("args", version, "hostname", "port", "enable-sftp"));
          break;
        case "connect":
          await send(wire("ready", "$ssh-1") + wire("size", 0, 1024, 768));
          if (options.filesystem !== false) await send(wire("filesystem", 0, "/"));
          for (const [name, value] of argv) {
            const s = String(nextStream++);
            await send(
              wire("argv", s, "text/plain", name) + wire("blob", s, btoa(value)) + wire("end", s),
            );
          }
          break;
        case "size":
          await send(wire("size", 0, a0, a1));
          break;
        case "get": {
          if (a0 !== "0") break;
          const s = String(nextStream++);
          if (isDir(a1)) {
            outbound.set(s, text(JSON.stringify(listing(a1 === "/" ? "/" : a1))));
            await send(wire("body", 0, s, INDEX, a1));
          } else if (files.has(a1)) {
            outbound.set(s, files.get(a1)!);
            await send(wire("body", 0, s, "application/octet-stream", a1));
          } // else: silence, as guacd
          break;
        }
        case "ack": {
          const rest = outbound.get(a0);
          if (rest === undefined) break;
          if (a2 !== "0") {
            outbound.delete(a0);
          } else if (rest.length === 0) {
            outbound.delete(a0);
            await send(wire("end", a0));
          } else {
            outbound.set(a0, rest.subarray(SFTP_READ));
            const blob = rest.subarray(0, SFTP_READ);
            await send(wire("blob", a0, Buffer.from(blob).toString("base64")));
          }
          break;
        }
        case "put":
          if (a3.startsWith("/readonly")) {
            await ack(a1, "SFTP: Open failed", GUACAMOLE_STATUS.CLIENT_FORBIDDEN);
          } else {
            inbound.set(a1, { kind: "put", name: a3, parts: [] });
            await ack(a1, "SFTP: File opened", 0);
          }
          break;
        case "file":
          inbound.set(a0, { kind: "file", name: `/home/guac/${a2}`, parts: [] });
          await ack(a0, "SFTP: File opened", 0);
          break;
        case "argv":
          if (argv.has(a2)) {
            inbound.set(a0, { kind: "argv", name: a2, parts: [] });
            await ack(a0, "Ready for updated parameter.", 0);
          } else {
            await ack(a0, "Not allowed.", GUACAMOLE_STATUS.CLIENT_FORBIDDEN);
          }
          break;
        case "blob": {
          const stream = inbound.get(a0);
          if (stream === undefined) break;
          stream.parts.push(new Uint8Array(Buffer.from(a1, "base64")));
          if (stream.kind !== "argv") await ack(a0, "SFTP: OK", 0);
          break;
        }
        case "end": {
          const stream = inbound.get(a0);
          if (stream === undefined) break;
          inbound.delete(a0);
          const bytes = new Uint8Array(Buffer.concat(stream.parts));
          if (stream.kind === "argv") {
            argv.set(stream.name, new TextDecoder().decode(bytes));
          } else {
            files.set(stream.name, bytes);
            await ack(a0, "SFTP: OK", 0);
          }
          break;
        }
        case "disconnect":
          await writer.close().catch(() => {});
          return;
      }
    }
  })().catch(() => {});

  const client = new GuacamoleClient(
    { readable: toClient.readable, writable: toGuacd.writable },
    { keepAliveInterval: 0, ...options.clientOptions },
  );
  cleanups.push(() => client.close());
  await client.handshake({ protocol: "ssh", parameters: { hostname: "h", "enable-sftp": true } });
  // A driving tool reads what guacd sends too (sync echo, acks, bodies): drain it.
  void (async () => {
    while ((await client.readInstruction()) !== undefined);
  })().catch(() => {});
  return { client, received, files, argv, acksSent };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** Fakes the clock the client's request timeouts run on; the in-memory guacd needs no timer. */
function fakeClock(): void {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
}

/** Whether `promise` has settled, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

async function until(condition: () => boolean, timeout = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeout) throw new Error("condition not met in time");
    await new Promise((r) => setImmediate(r)); // a turn of the event loop, no timer
  }
}

async function bytesOf(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(readable).arrayBuffer());
}

const keyLines = (received: Instruction[]) =>
  received.filter((i) => i.opcode === "key").map((i) => i.args.join(","));

describe("driving a session (in memory)", () => {
  test("keyboard: key, press, chord and type with non-Latin and astral text", async () => {
    const { client, received } = await sshGuacd();
    await client.keyboard.key(KEYSYMS.Shift, true);
    await client.keyboard.key(KEYSYMS.Shift, false);
    await client.keyboard.press(KEYSYMS.Tab);
    await client.keyboard.chord(KEYSYMS.Control, 0x63);
    await client.keyboard.type("Zé€😀\r");
    await until(() => keyLines(received).length === 4 + 4 + 10);
    expect(keyLines(received)).toEqual([
      "65505,1",
      "65505,0",
      "65289,1",
      "65289,0",
      "65507,1",
      "99,1",
      "99,0",
      "65507,0",
      "90,1",
      "90,0",
      "233,1",
      "233,0",
      `${0x010020ac},1`,
      `${0x010020ac},0`,
      `${0x0101f600},1`,
      `${0x0101f600},0`,
      "65293,1",
      "65293,0",
    ]);
  });

  test("mouse: move, click and scroll reach guacd as mouse instructions", async () => {
    const { client, received } = await sshGuacd();
    await client.mouse.move(10, 20);
    await client.mouse.click(30, 40, "right");
    await client.mouse.scroll(-1);
    await until(() => received.filter((i) => i.opcode === "mouse").length === 5);
    expect(received.filter((i) => i.opcode === "mouse").map((i) => i.args.join(","))).toEqual([
      "10,20,0",
      "30,40,4",
      "30,40,0",
      "30,40,8",
      "30,40,0",
    ]);
  });

  test("touch is sent on 1.3.0 and refused on 1.1.0 before anything is sent", async () => {
    const modern = await sshGuacd({ version: "VERSION_1_3_0" });
    await modern.client.touch.touch(0, { x: 5, y: 6 });
    await until(() => modern.received.some((i) => i.opcode === "touch"));

    const old = await sshGuacd({ version: "VERSION_1_1_0" });
    expect(old.client.protocolVersion).toBe("VERSION_1_1_0");
    const error = await old.client.touch.touch(0, { x: 5, y: 6 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuacamoleClientError);
    expect(error).toMatchObject({ code: "UNSUPPORTED_VERSION" });
    expect((error as Error).message).toMatch(/VERSION_1_1_0.*VERSION_1_3_0/);
    await old.client.keyboard.press(0x61); // the session goes on
    await until(() => old.received.some((i) => i.opcode === "key"));
    expect(old.received.some((i) => i.opcode === "touch")).toBe(false);
  });

  test("resize sends size and the display follows guacd's size of layer 0", async () => {
    const sizes: string[] = [];
    const { client, received } = await sshGuacd({
      clientOptions: { onSize: (s) => sizes.push(`${s.width}x${s.height}`) },
    });
    await until(() => client.display.size !== undefined);
    expect(client.display.size).toEqual({ width: 1024, height: 768 });
    const next = client.display.nextSize();
    await client.display.resize(1280, 720);
    expect(await next).toEqual({ width: 1280, height: 720 });
    // The client's acks of guacd's argv streams may arrive before or after it: look for size.
    expect(received.filter((i) => i.opcode === "size").at(-1)).toEqual({
      opcode: "size",
      args: ["1280", "720"],
    });
    expect(sizes).toEqual(["1024x768", "1280x720"]);
  });

  test("setArgument: offered names are sent and applied, others refused by name", async () => {
    const { client, argv, received } = await sshGuacd();
    expect(await client.arguments.offered()).toContain("color-scheme");
    await until(() => client.arguments.get("font-size") === "12");
    expect(client.arguments.names).toEqual(["color-scheme", "font-size"]);
    await client.arguments.set("font-size", "14");
    await until(() => argv.get("font-size") === "14");
    const error = await client.arguments.set("hostname", "x").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "UNKNOWN_ARGUMENT" });
    expect((error as Error).message).toMatch(/"hostname".*color-scheme, font-size/);
    expect(received.filter((i) => i.opcode === "argv").map((i) => i.args[2])).toEqual([
      "font-size",
    ]);
  });

  test("filesystem: list a directory, download a file larger than one blob", async () => {
    const { client, files, acksSent } = await sshGuacd();
    const fs = await client.filesystem();
    expect([fs.index, fs.name]).toEqual([0, "/"]);
    expect(client.filesystems).toEqual([fs]);
    const root = await fs.list("/");
    expect(root.map((e) => [e.path, e.directory])).toEqual([
      ["/etc", true],
      ["/home", true],
    ]);
    const home = await fs.list("/home/guac");
    expect(home.map((e) => e.name)).toEqual(["big.bin"]);
    const big = await bytesOf(fs.download("/home/guac/big.bin"));
    expect(Buffer.compare(big, files.get("/home/guac/big.bin")!)).toBe(0);
    expect(big.length).toBeGreaterThan(3 * SFTP_READ);
    expect(acksSent).toEqual([]); // guacd acked nothing: the client acked guacd's blobs
  });

  test("filesystem: upload from a stream then download it back byte for byte", async () => {
    const { client, files } = await sshGuacd();
    const fs = await client.filesystem();
    const data = new Uint8Array(50_000).map((_, i) => (i * 7) % 256);
    let at = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= data.length) return controller.close();
        controller.enqueue(data.subarray(at, at + 1000));
        at += 1000;
      },
    });
    await fs.upload("/tmp/up.bin", source);
    expect(Buffer.compare(files.get("/tmp/up.bin")!, data)).toBe(0);
    expect(Buffer.compare(await bytesOf(fs.download("/tmp/up.bin")), data)).toBe(0);
    expect((await fs.list("/tmp")).map((e) => e.name)).toEqual(["up.bin"]);
  });

  test("filesystem: a refused upload is REFUSED with guacd's status, and nothing is sent after", async () => {
    const { client, received } = await sshGuacd();
    const fs = await client.filesystem();
    const error = await fs.upload("/readonly/x", new Uint8Array(10_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuacamoleFilesystemError);
    expect(error).toMatchObject({
      code: "REFUSED",
      status: GUACAMOLE_STATUS.CLIENT_FORBIDDEN,
      path: "/readonly/x",
    });
    const put = received.findIndex((i) => i.opcode === "put");
    expect(received.slice(put + 1).filter((i) => i.opcode === "blob")).toEqual([]);
  });

  test("filesystem: a missing path is NOT_FOUND after the timeout (guacd stays silent)", async () => {
    const { client } = await sshGuacd();
    const fs = await client.filesystem();
    fakeClock();
    const listing = fs.list("/nope", { timeout: 100 });
    const listed = expect(listing).rejects.toMatchObject({ code: "NOT_FOUND" });
    await vi.advanceTimersByTimeAsync(99);
    expect(await settled(listing)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await listed;
    const read = fs.download("/nope", { timeout: 50 }).getReader().read();
    const failed = expect(read).rejects.toMatchObject({ code: "NOT_FOUND", path: "/nope" });
    await vi.advanceTimersByTimeAsync(50);
    await failed;
    await expect(fs.download("/etc", { timeout: 1000 }).getReader().read()).rejects.toMatchObject({
      code: "IS_A_DIRECTORY",
    });
    await expect(fs.list("/etc/motd")).rejects.toMatchObject({ code: "NOT_A_DIRECTORY" });
  });

  test("sendFile streams an async iterable to the upload directory", async () => {
    const { client, files } = await sshGuacd();
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 5; i++) yield new Uint8Array(5000).fill(i);
    }
    await client.sendFile("gen.bin", chunks());
    await until(() => files.has("/home/guac/gen.bin"));
    const got = files.get("/home/guac/gen.bin")!;
    expect(got.length).toBe(25_000);
    expect([got[0], got[5000], got[24_999]]).toEqual([0, 1, 4]);
  });

  test("a cancelled download tells guacd to stop with a failure ack", async () => {
    const { client, received } = await sshGuacd();
    const fs = await client.filesystem();
    const reader = fs.download("/home/guac/big.bin").getReader();
    const first = await reader.read();
    expect(first.value?.length).toBe(SFTP_READ);
    await reader.cancel();
    await until(() => received.some((i) => i.opcode === "ack" && i.args[2] !== "0"));
    const failed = received.find((i) => i.opcode === "ack" && i.args[2] !== "0")!;
    expect(failed.args[2]).toBe(String(GUACAMOLE_STATUS.RESOURCE_CLOSED));
  });

  test("a session without a filesystem: filesystem() is NOT_FOUND after its timeout", async () => {
    const { client } = await sshGuacd({ filesystem: false });
    fakeClock();
    const none = expect(client.filesystem({ timeout: 100 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await vi.advanceTimersByTimeAsync(100);
    await none;
    expect(client.filesystems).toEqual([]);
  });

  test("transfers still waiting fail with SESSION_ENDED when the session ends", async () => {
    const { client } = await sshGuacd();
    const fs = await client.filesystem();
    const pending = fs.list("/nope", { timeout: 10_000 });
    await client.close();
    await expect(pending).rejects.toMatchObject({ code: "SESSION_ENDED" });
  });
});

test("decodeInstruction is what the fake guacd speaks", () => {
  expect(decodeInstruction(wire("ack", 1, "OK", 0))).toEqual({
    opcode: "ack",
    args: ["1", "OK", "0"],
  });
});
