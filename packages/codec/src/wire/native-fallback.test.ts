import { fc, test } from "@fast-check/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { cutsArb, instructionArb } from "../_arbitraries.ts";
import {
  corpusAvailable,
  corpusFiles,
  cutAt,
  decodeChunks,
  frameChunks,
  readCorpus,
  utf8,
} from "../_test-utils.ts";
import { encodeInstruction, GuacamoleProtocolError } from "../index.ts";
import { NATIVES } from "./_native.ts";

// Node, Deno and Bun run the native ASCII check and Latin-1 copy; a browser runs the JS paths.
// Both must give the same instructions, frames and faults, byte for byte.
const found = { ...NATIVES };

function withoutNatives<T>(run: () => T): T {
  NATIVES.isAscii = undefined;
  NATIVES.latin1 = undefined;
  try {
    return run();
  } finally {
    Object.assign(NATIVES, found);
  }
}

function outcome(run: () => unknown): unknown {
  try {
    return { result: run() };
  } catch (error) {
    if (!(error instanceof GuacamoleProtocolError)) throw error;
    return { code: error.code, offset: error.offset };
  }
}

/** Valid traffic with long ASCII values (base64-like) and multi-byte ones, plus stray bytes. */
const trafficArb = fc
  .record({
    instructions: fc.array(
      fc.oneof(
        instructionArb,
        fc
          .string({ unit: fc.constantFrom(..."ABCDEFabcdef0123456789+/="), minLength: 250 })
          .map((data) => ({ opcode: "blob", args: ["1", data] })),
      ),
      { minLength: 1, maxLength: 6 },
    ),
    noise: fc.option(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0x80, max: 0xff }) })),
  })
  .map(({ instructions, noise }) => {
    const bytes = utf8(instructions.map((i) => encodeInstruction(i)).join(""));
    if (noise !== null) bytes[noise.at % bytes.length] = noise.byte;
    return bytes;
  });

describe("native helpers and the JS paths agree", () => {
  afterEach(() => {
    Object.assign(NATIVES, found);
  });

  test.prop([trafficArb, cutsArb])("decoding: same instructions or same fault", (bytes, cuts) => {
    const chunks = cutAt(bytes, cuts);
    const native = outcome(() => decodeChunks(chunks));
    expect(withoutNatives(() => outcome(() => decodeChunks(chunks)))).toEqual(native);
  });

  test.prop([trafficArb, cutsArb])("framing: same frames or same fault", (bytes, cuts) => {
    const chunks = cutAt(bytes, cuts);
    const native = outcome(() => frameChunks(chunks));
    expect(withoutNatives(() => outcome(() => frameChunks(chunks)))).toEqual(native);
  });

  it.skipIf(!corpusAvailable())(
    "every corpus recording (its first 2 MiB), in 64 KiB reads",
    () => {
      for (const name of corpusFiles()) {
        // The first 2 MiB: every kind of instruction each recording has, in 32 reads.
        const bytes = readCorpus(name).subarray(0, 2 << 20);
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
        // As JSON text: deep equality over megabytes of values is slow.
        const decode = () => JSON.stringify(outcome(() => decodeChunks(chunks)));
        expect(withoutNatives(decode) === decode(), name).toBe(true);
        const frame = () => JSON.stringify(outcome(() => frameChunks(chunks).map((f) => f.length)));
        expect(withoutNatives(frame) === frame(), name).toBe(true);
      }
    },
    60_000,
  );
});
