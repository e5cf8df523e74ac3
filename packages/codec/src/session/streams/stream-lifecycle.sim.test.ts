// The stream lifecycle against the guacd simulator, which keeps a refused stream open until its
// index is ended or reused, as guacd does: a refusal must not shift the acks of what follows.
import {
  GuacdSimulator,
  guacdLikeOptions,
  type SessionReport,
  SimulatedFilesystem,
} from "@guacstream/guacd-sim";
import { loadCorpus } from "@guacstream/guacd-sim/node";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Instruction } from "../../wire/instruction.ts";
import { GuacamoleClient } from "../client.ts";
import type { GuacamoleLateAck } from "../client-options.ts";
import { GUACAMOLE_STATUS } from "../status.ts";

let corpus: Awaited<ReturnType<typeof loadCorpus>>;
beforeAll(async () => {
  corpus = await loadCorpus();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function open(files: SimulatedFilesystem) {
  const sim = new GuacdSimulator({ ...guacdLikeOptions(), corpus, filesystem: files });
  const toGuacd = new TransformStream<Uint8Array, Uint8Array>();
  const toClient = new TransformStream<Uint8Array, Uint8Array>();
  void sim.serve({ readable: toGuacd.readable, writable: toClient.writable });
  const lateAcks: GuacamoleLateAck[] = [];
  const read: Instruction[] = [];
  const client = new GuacamoleClient(
    { readable: toClient.readable, writable: toGuacd.writable },
    { keepAliveInterval: 0, onLateAck: (ack) => lateAcks.push(ack) },
  );
  cleanups.push(async () => {
    await client.close();
    await sim.closeAll();
  });
  await client.handshake({ protocol: "ssh", parameters: { hostname: "h", "enable-sftp": true } });
  void (async () => {
    for (let next = await client.readInstruction(); next; next = await client.readInstruction()) {
      read.push(next);
    }
  })().catch(() => {});
  return { client, lateAcks, read, report: (): SessionReport => sim.sessions[0]! };
}

const files = () =>
  new SimulatedFilesystem({ files: { "/etc/motd": "Welcome\n" }, readOnly: ["/etc", "/proc"] });
const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * seed) % 251);

describe("streams after a refusal, as guacd runs them", () => {
  test("refused upload, upload, arguments.set, download: each with its own outcome", async () => {
    const fs = files();
    const { client, report } = await open(fs);
    const sftp = await client.filesystem();
    const refused = await sftp.upload("/proc/nope", bytes(10, 3)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "REFUSED", status: GUACAMOLE_STATUS.CLIENT_FORBIDDEN });

    const data = bytes(3 * 6048 + 17, 7);
    await sftp.upload("/tmp/after-refusal.bin", data);
    expect(fs.read("/tmp/after-refusal.bin")).toEqual(data);

    await client.arguments.offered();
    await client.arguments.set("font-size", "14");
    await expect.poll(() => report().input.argv["font-size"]).toBe("14");

    const back = new Uint8Array(
      await new Response(sftp.download("/tmp/after-refusal.bin")).arrayBuffer(),
    );
    expect(back).toEqual(data);
  });

  test("a refusal followed by arguments.set: the set succeeds", async () => {
    const { client } = await open(files());
    const sftp = await client.filesystem();
    await expect(sftp.upload("/etc/x", bytes(1, 1))).rejects.toMatchObject({ code: "REFUSED" });
    await client.arguments.offered();
    await expect(client.arguments.set("font-size", "14")).resolves.toBeUndefined();
  });

  test("a refused sendFile leaves the next sendFile whole, and three in a row each resolve", async () => {
    const fs = files();
    const { client } = await open(fs);
    await client.filesystem();
    await expect(client.sendFile("../proc/x", bytes(5, 1))).rejects.toMatchObject({
      code: "STREAM_FAILED",
    });
    for (const name of ["a.bin", "b.bin", "c.bin"]) {
      await client.sendFile(name, bytes(7000, name.charCodeAt(0)));
      // Resolved means guacd closed the file: it is there, whole.
      expect(fs.read(`/${name}`)).toEqual(bytes(7000, name.charCodeAt(0)));
    }
  });

  test("a cancelled download leaves the session able to download again", async () => {
    const big = bytes(5 * 4096, 11);
    const fs = new SimulatedFilesystem({ files: { "/tmp/big.bin": big } });
    const { client } = await open(fs);
    const sftp = await client.filesystem();
    const reader = sftp.download("/tmp/big.bin").getReader();
    await reader.read();
    await reader.cancel();
    const again = new Uint8Array(await new Response(sftp.download("/tmp/big.bin")).arrayBuffer());
    expect(again).toEqual(big);
    await sftp.upload("/tmp/small.bin", bytes(3, 1));
    expect(fs.read("/tmp/small.bin")).toEqual(bytes(3, 1));
  });

  test("acks of the client's streams stay out of client.instructions; the unawaited go to onLateAck", async () => {
    const { client, lateAcks, read } = await open(files());
    const sftp = await client.filesystem();
    await expect(sftp.upload("/proc/nope", bytes(10, 3))).rejects.toMatchObject({
      code: "REFUSED",
    });
    // guacd answers the client's end of the refused stream, then frees its index.
    await expect.poll(() => lateAcks.map((a) => a.released)).toEqual([false, true]);
    const [closing, released] = lateAcks;
    expect(closing).toMatchObject({
      message: "SFTP: Close failed",
      status: GUACAMOLE_STATUS.SERVER_ERROR,
    });
    expect(released).toEqual({
      index: closing!.index,
      message: "Invalid stream index",
      status: GUACAMOLE_STATUS.CLIENT_BAD_REQUEST,
      released: true,
    });

    // The next upload takes the index again; the acks it awaits settle it and go nowhere else.
    await sftp.upload("/tmp/ok.bin", bytes(10, 5));
    await client.arguments.offered();
    await client.arguments.set("font-size", "14");
    expect(read.some((i) => i.opcode === "ack")).toBe(false);
    expect(lateAcks).toHaveLength(2);
    // A clipboard stream awaits no acks: what guacd acks of it is heard, not read.
    await client.sendClipboard("after");
    await expect.poll(() => lateAcks.length).toBeGreaterThan(2);
    expect(read.some((i) => i.opcode === "ack")).toBe(false);
    // The reader kept going all along: guacd's other instructions are there.
    expect(read.some((i) => i.opcode === "sync")).toBe(true);
  });
});
