import { describe, expect, it } from "vitest";
import { FilesystemObject } from "./_filesystem-object.ts";
import { InputStreams } from "./_input-streams.ts";
import { encodeInstruction, parseAll, type WireInstruction } from "./_wire.ts";
import { SimulatedFilesystem, STREAM_INDEX_MIMETYPE } from "./filesystem.ts";

const ins = (opcode: string, ...args: string[]): WireInstruction =>
  parseAll(encodeInstruction(opcode, ...args)).instructions[0]!;

function object(fs: SimulatedFilesystem) {
  const sent: WireInstruction[] = [];
  const send = (bytes: Uint8Array) => sent.push(...parseAll(bytes).instructions);
  const streams = new InputStreams(send);
  const fsObject = new FilesystemObject(fs, 0, send, streams);
  // What the session does: blob and end go to the user's input stream table.
  const obj = {
    handle(instruction: WireInstruction): boolean {
      const [index = "", data = ""] = instruction.args;
      if (instruction.opcode === "blob") streams.blob(index, data);
      else if (instruction.opcode === "end") streams.end(index);
      else return fsObject.handle(instruction);
      return true;
    },
  };
  const lines = () => sent.map((i) => [i.opcode, ...i.args].join(","));
  return { obj, sent, lines, streams };
}

describe("SimulatedFilesystem", () => {
  it("lists directories and files as guacd's SFTP does, with implicit parents", () => {
    const fs = new SimulatedFilesystem({ files: { "/home/guac/a.txt": "a", "/etc/motd": "m" } });
    expect(fs.list("/")).toEqual({
      "/tmp": STREAM_INDEX_MIMETYPE,
      "/home": STREAM_INDEX_MIMETYPE,
      "/etc": STREAM_INDEX_MIMETYPE,
    });
    expect(fs.list("/home/guac/")).toEqual({ "/home/guac/a.txt": "application/octet-stream" });
    expect(fs.list("/nope")).toBeUndefined();
    expect(fs.isDirectory("/home")).toBe(true);
  });

  it("refuses writes where SFTP would, and past its size like a full disk", () => {
    const fs = new SimulatedFilesystem({ readOnly: ["/etc"], maxBytes: 10 });
    expect(fs.write("/etc/x", new Uint8Array(1))).toBe("forbidden");
    expect(fs.write("/nodir/x", new Uint8Array(1))).toBe("not-found");
    expect(fs.write("/tmp", new Uint8Array(1))).toBe("not-found");
    expect(fs.write("/tmp/x", new Uint8Array(11))).toBe("full");
    expect(fs.write("/tmp/x", new Uint8Array(10))).toBe("ok");
    expect(fs.write("/dev/null", new Uint8Array(1000))).toBe("ok");
    expect(fs.paths).toEqual(["/tmp/x"]);
  });
});

describe("FilesystemObject", () => {
  it("downloads a file larger than one blob, one blob per ack, then end", () => {
    const data = new Uint8Array(4096 * 2 + 10).map((_, i) => i % 256);
    const { obj, sent } = object(new SimulatedFilesystem({ files: { "/f.bin": data } }));
    expect(obj.handle(ins("get", "0", "/f.bin"))).toBe(true);
    expect(sent.at(-1)).toMatchObject({
      opcode: "body",
      args: ["0", "61", "application/octet-stream", "/f.bin"],
    });
    const got: number[] = [];
    for (let k = 0; k < 4; k++) {
      obj.handle(ins("ack", "61", "OK", "0"));
      const last = sent.at(-1)!;
      if (last.opcode === "blob")
        got.push(
          ...atob(last.args[1]!)
            .split("")
            .map((c) => c.charCodeAt(0)),
        );
    }
    expect(sent.map((i) => i.opcode)).toEqual(["body", "blob", "blob", "blob", "end"]);
    expect(got).toEqual([...data]);
    expect(obj.handle(ins("ack", "61", "OK", "0"))).toBe(false); // the stream is freed
  });

  it("lists a directory as JSON and is silent for a missing path", () => {
    const { obj, sent } = object(new SimulatedFilesystem({ files: { "/d/a": "1" } }));
    obj.handle(ins("get", "0", "/missing"));
    expect(sent).toEqual([]);
    obj.handle(ins("get", "0", "/d"));
    obj.handle(ins("ack", "61", "OK", "0"));
    expect(sent[0]!.args[2]).toBe(STREAM_INDEX_MIMETYPE);
    expect(JSON.parse(atob(sent[1]!.args[1]!))).toEqual({ "/d/a": "application/octet-stream" });
    expect(obj.handle(ins("get", "1", "/d"))).toBe(false); // another object's
  });

  it("uploads with an ack for the open, each blob and the end; refuses read-only paths", () => {
    const fs = new SimulatedFilesystem({ readOnly: ["/ro"], directories: ["/tmp", "/ro"] });
    const { obj, lines } = object(fs);
    obj.handle(ins("put", "0", "5", "application/octet-stream", "/tmp/up.txt"));
    obj.handle(ins("blob", "5", btoa("hel")));
    obj.handle(ins("blob", "5", btoa("lo")));
    obj.handle(ins("end", "5"));
    obj.handle(ins("put", "0", "6", "application/octet-stream", "/ro/x"));
    expect(lines()).toEqual([
      "ack,5,SFTP: File opened,0",
      "ack,5,SFTP: OK,0",
      "ack,5,SFTP: OK,0",
      "ack,5,SFTP: OK,0",
      "ack,6,SFTP: Open failed,771",
    ]);
    expect(new TextDecoder().decode(fs.read("/tmp/up.txt"))).toBe("hello");
  });

  it("keeps a refused put open as guacd does: its blobs and end are acked 512", () => {
    const fs = new SimulatedFilesystem({ readOnly: ["/ro"], directories: ["/tmp", "/ro"] });
    const { obj, lines, streams } = object(fs);
    obj.handle(ins("put", "0", "0", "application/octet-stream", "/ro/x"));
    expect(streams.isOpen("0")).toBe(true);
    obj.handle(ins("blob", "0", btoa("x")));
    obj.handle(ins("end", "0"));
    expect(streams.isOpen("0")).toBe(false);
    obj.handle(ins("end", "0"));
    expect(lines()).toEqual([
      "ack,0,SFTP: Open failed,771",
      "ack,0,SFTP: Write failed,512",
      "ack,0,SFTP: Close failed,512",
      "ack,0,Invalid stream index,768",
    ]);
  });

  it("answers a refused stream's end first when its index is opened again without an end", () => {
    const fs = new SimulatedFilesystem({ readOnly: ["/ro"], directories: ["/tmp", "/ro"] });
    const { obj, lines } = object(fs);
    obj.handle(ins("put", "0", "0", "application/octet-stream", "/ro/x"));
    obj.handle(ins("put", "0", "0", "application/octet-stream", "/tmp/y"));
    obj.handle(ins("blob", "0", btoa("y")));
    obj.handle(ins("end", "0"));
    expect(lines()).toEqual([
      "ack,0,SFTP: Open failed,771",
      "ack,0,SFTP: Close failed,512",
      "ack,0,SFTP: File opened,0",
      "ack,0,SFTP: OK,0",
      "ack,0,SFTP: OK,0",
    ]);
    expect(new TextDecoder().decode(fs.read("/tmp/y"))).toBe("y");
  });
});
