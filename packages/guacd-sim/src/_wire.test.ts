import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { encodeInstruction, guacLength, parseAll, WireParser } from "./_wire.ts";
import { WireError } from "./_wire-error.ts";
import { defaultCorpusDir } from "./node.ts";

const dir = defaultCorpusDir();
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Instruction counts from the corpus README; `null` where the file is not a complete stream. */
const expected: Record<string, number> = {
  "ssh-text.c2s.guac": 109,
  "ssh-text.s2c.guac": 6149,
  "vnc-desktop.c2s.guac": 57,
  "vnc-desktop.s2c.guac": 3459,
  "vnc-desktop-20s.c2s.guac": 243,
  "vnc-desktop-20s.s2c.guac": 8813,
  "vnc-required.c2s.guac": 81,
  "vnc-required.s2c.guac": 156,
  "errors/connect-utf16-length.s2c.guac": 1,
  "errors/join-nonexistent-connection.c2s.guac": 1,
  "errors/join-nonexistent-connection.s2c.guac": 1,
  "errors/malformed-garbage.s2c.guac": 0,
  "errors/malformed-length.s2c.guac": 0,
  "errors/select-then-silent.c2s.guac": 1,
  "errors/select-then-silent.s2c.guac": 1,
  "errors/select-unknown-protocol.c2s.guac": 1,
  "errors/select-unknown-protocol.s2c.guac": 0,
  "errors/ssh-bad-password.c2s.guac": 10,
  "errors/ssh-bad-password.s2c.guac": 40,
  "errors/ssh-silent-client.c2s.guac": 9,
  "errors/ssh-silent-client.s2c.guac": 137,
  "errors/vnc-upstream-refused.c2s.guac": 9,
  "errors/vnc-upstream-refused.s2c.guac": 4,
  "handshake-args/kubernetes.args.guac": 1,
  "handshake-args/rdp.args.guac": 1,
  "handshake-args/ssh.args.guac": 1,
  "handshake-args/telnet.args.guac": 1,
  "handshake-args/vnc.args.guac": 1,
  "native/vnc-native.guac": 109,
};

describe("parser against every corpus file", () => {
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".guac"))
    .map((f) => f.split("\\").join("/"))
    .sort();

  it("covers every file the README counts", () => {
    for (const name of Object.keys(expected)) expect(files).toContain(name);
  });

  for (const name of Object.keys(expected)) {
    it(`${name}: ${expected[name]} instructions, no bytes left over`, () => {
      const { instructions, trailing } = parseAll(read(name));
      expect(instructions.length).toBe(expected[name]);
      expect(trailing).toBe(0);
    });
  }

  it("args files: version then 53/90/45/37/34 parameter names", () => {
    const counts = { vnc: 53, rdp: 90, ssh: 45, telnet: 37, kubernetes: 34 };
    for (const [protocol, count] of Object.entries(counts)) {
      const [args] = parseAll(read(`handshake-args/${protocol}.args.guac`)).instructions;
      expect(args?.opcode).toBe("args");
      expect(args?.args[0]).toBe("VERSION_1_5_0");
      expect(args?.args.length).toBe(count + 1);
    }
  });

  it("connect-utf16-length.c2s: 7 instructions, then connect fails at its terminator", () => {
    const parser = new WireParser();
    const bytes = read("errors/connect-utf16-length.c2s.guac");
    let count = 0;
    let failure: unknown;
    try {
      for (let k = 0; k < bytes.length; k++) count += parser.push(bytes.subarray(k, k + 1)).length;
    } catch (error) {
      failure = error;
    }
    expect(count).toBe(7);
    expect(failure).toBeInstanceOf(WireError);
    expect((failure as WireError).code).toBe("bad-terminator");
  });

  it("malformed-garbage.c2s (`xyz;`): bad-length at byte 0", () => {
    expect(() => new WireParser().push(read("errors/malformed-garbage.c2s.guac"))).toThrow(
      expect.objectContaining({ code: "bad-length", offset: 0 }),
    );
  });

  it("malformed-length.c2s (`6.select,4.vnc;`): waits for more, nothing complete", () => {
    const parser = new WireParser();
    expect(parser.push(read("errors/malformed-length.c2s.guac"))).toEqual([]);
    expect(parser.pending).toBe(15);
  });

  it("ssh-text.s2c: both terminal titles, the second cut inside its last character", () => {
    const names = parseAll(read("ssh-text.s2c.guac")).instructions.filter(
      (i) => i.opcode === "name",
    );
    expect(names.map((i) => i.args[0])).toEqual(["Привет 世界 🌍 ünïcødé", "done \uFFFD"]);
    expect([...names[1]!.rawArgs[0]!]).toEqual([...text("done "), 0xe2]);
    // 19 characters as guacd counts them; the README says 38 bytes, the file holds 36.
    expect(guacLength(names[0]!.rawArgs[0]!)).toBe(19);
    expect(names[0]!.rawArgs[0]!.length).toBe(36);
  });

  it("largest element is the README's 8,064-character blob", () => {
    let largest = 0;
    for (const i of parseAll(read("vnc-desktop.s2c.guac")).instructions) {
      for (const a of i.rawArgs) largest = Math.max(largest, a.length);
    }
    expect(largest).toBe(8064);
  });
});

describe("chunking", () => {
  const ssh = read("ssh-text.s2c.guac").subarray(0, 200_000);
  const whole = parseAll(ssh);
  const wholeShape = whole.instructions.map((i) => [i.opcode, ...i.args].join("\u0000"));

  test.prop([fc.array(fc.nat({ max: ssh.length }), { maxLength: 200 })])(
    "cutting ssh-text.s2c anywhere yields the same instructions",
    (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const parser = new WireParser();
      const got: string[] = [];
      let at = 0;
      for (const point of [...points, ssh.length]) {
        for (const i of parser.push(ssh.subarray(at, point))) {
          got.push([i.opcode, ...i.args].join("\u0000"));
        }
        at = point;
      }
      expect(got).toEqual(wholeShape);
      expect(parser.pending).toBe(whole.trailing);
    },
  );

  it("byte by byte around the cut title", () => {
    const parser = new WireParser();
    const bytes = Uint8Array.of(...text("4.name,6.done "), 0xe2, ...text(";3.nop;"));
    const out = [];
    for (let k = 0; k < bytes.length; k++) out.push(...parser.push(bytes.subarray(k, k + 1)));
    expect(out.map((i) => i.opcode)).toEqual(["name", "nop"]);
  });
});

describe("limits and errors", () => {
  const fails = (input: string, code: WireError["code"]) => () =>
    expect(() => new WireParser().push(text(input))).toThrow(expect.objectContaining({ code }));

  it("more than 5 length digits", fails("000001.a;", "length-too-long"));
  it("an element over 8192 characters", fails("8193.", "element-too-long"));
  it("a missing terminator", fails("3.abcd;", "bad-terminator"));
  it("a length without digits", fails(".;", "bad-length"));
  it("more than 128 elements", fails(`1.x${",0.".repeat(128)};`, "too-many-elements"));
  it("exactly 128 elements is fine", () => {
    expect(new WireParser().push(text(`1.x${",0.".repeat(127)};`))[0]?.args.length).toBe(127);
  });
  it("an instruction over 32 KiB", () => {
    const element = `8000.${"a".repeat(8000)}`;
    const input = `4.blob,${[element, element, element, element, element].join(",")};`;
    expect(() => new WireParser().push(text(input))).toThrow(
      expect.objectContaining({ code: "instruction-too-long" }),
    );
  });
  it("reports the stream offset across chunks", () => {
    const parser = new WireParser();
    parser.push(text("3.nop;3.n"));
    expect(() => parser.push(text("opx"))).toThrow(expect.objectContaining({ offset: 11 }));
  });
});

describe("encoder", () => {
  it("counts code points as guacd does", () => {
    const bytes = encodeInstruction("name", "Привет 世界 🌍 ünïcødé");
    expect(new TextDecoder().decode(bytes)).toBe("4.name,19.Привет 世界 🌍 ünïcødé;");
    expect(guacLength(Uint8Array.of(...text("done "), 0xe2))).toBe(6);
  });

  test.prop([fc.array(fc.string({ unit: "grapheme" }), { minLength: 1, maxLength: 8 })])(
    "what the encoder writes, the parser reads back",
    (elements) => {
      const [opcode, ...args] = elements;
      const [parsed] = new WireParser().push(encodeInstruction(opcode!, ...args));
      expect([parsed?.opcode, ...(parsed?.args ?? [])]).toEqual(elements);
    },
  );
});
