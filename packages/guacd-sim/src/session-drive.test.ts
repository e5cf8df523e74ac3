// The simulator's answers to a client that drives a session: size, live arguments, and the
// filesystem object for enable-sftp, checked on the wire (the simulator never uses the codec).
import { describe, expect, it } from "vitest";
import { memoryPair } from "./_test-utils.ts";
import { encodeInstruction } from "./_wire.ts";
import { SimulatedFilesystem } from "./filesystem.ts";
import { GuacdSimulator } from "./simulator.ts";

const corpus = {
  args: { ssh: encodeInstruction("args", "VERSION_1_5_0", "hostname", "enable-sftp") },
  recordings: {},
};

function start(plan: object, filesystem?: SimulatedFilesystem, sftp = "true") {
  const sim = new GuacdSimulator({
    corpus,
    resolveSession: () => ({ end: "hold", ...plan }),
    ...(filesystem === undefined ? {} : { filesystem }),
  });
  const { server, client } = memoryPair();
  const report = sim.serve(server);
  client.send(`6.select,3.ssh;7.connect,13.VERSION_1_5_0,1.h,${sftp.length}.${sftp};`);
  return { sim, client, report };
}

const lines = (client: { received: { opcode: string; args: readonly string[] }[] }) =>
  client.received.map((i) => [i.opcode, ...i.args].join(","));

describe("a driven session", () => {
  it("answers size with layer 0's new size when the plan resizes, and not otherwise", async () => {
    const { sim, client } = start({ resize: true });
    await client.waitFor("ready");
    client.send("4.size,3.800,3.600;");
    await client.until(() => lines(client).includes("size,0,800,600"));
    await sim.closeAll();

    const still = start({});
    await still.client.waitFor("ready");
    still.client.send("4.size,3.800,3.600;4.sync,1.0;");
    await still.client.until(() => still.sim.sessions[0]?.input.size.length === 1);
    expect(lines(still.client).some((l) => l.startsWith("size"))).toBe(false);
    await still.sim.closeAll();
  });

  it("offers live arguments, refuses others with 0x0303, and echoes an accepted value", async () => {
    const { sim, client } = start({ liveArguments: { "font-size": "12" } });
    await client.waitFor("end");
    expect(lines(client).slice(2, 5)).toEqual([
      "argv,62,text/plain,font-size",
      `blob,62,${btoa("12")}`,
      "end,62",
    ]);
    client.send(`4.argv,1.0,10.text/plain,8.hostname;`);
    await client.until(() => lines(client).includes("ack,0,Not allowed.,771"));
    client.send(`4.argv,1.1,10.text/plain,9.font-size;4.blob,1.1,4.${btoa("14")};3.end,1.1;`);
    await client.until(() => lines(client).includes(`blob,62,${btoa("14")}`));
    expect(lines(client)).toContain("ack,1,Ready for updated parameter.,0");
    expect(sim.sessions[0]?.input.argv).toEqual({ "font-size": "14" });
    await sim.closeAll();
  });

  it("exposes the filesystem only when the connection turns SFTP on", async () => {
    const fs = new SimulatedFilesystem({ files: { "/a.txt": "a" } });
    const on = start({}, fs);
    await on.client.until(() => lines(on.client).includes("filesystem,0,/"));
    on.client.send("3.get,1.0,6./a.txt;");
    await on.client.waitFor("body");
    expect(lines(on.client)).toContain("body,0,61,application/octet-stream,/a.txt");
    await on.sim.closeAll();

    const off = start({}, fs, "false");
    await off.client.waitFor("ready");
    off.client.send("4.sync,1.0;");
    await off.client.until(() => off.sim.sessions[0]?.input.syncs === 1);
    expect(off.client.opcodes).not.toContain("filesystem");
    await off.sim.closeAll();
  });
});
