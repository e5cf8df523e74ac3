// One grammar: the handshake reader, the session's InstructionDecoder and decodeInstruction read
// the same bytes the same way: the same instructions, the same error code, offset and element.
import { fc, test as prop } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { cutsArb, instructionArb } from "../_arbitraries.ts";
import { concat, cutAt, streamOf, utf8 } from "../_test-utils.ts";
import {
  decodeInstruction,
  encodeInstruction,
  type GuacamoleLimits,
  GuacamoleProtocolError,
  type Instruction,
  InstructionDecoder,
  resolveLimits,
} from "../index.ts";
import { HandshakeReader } from "./_handshake.ts";

interface Fault {
  readonly code: string;
  readonly offset: number;
  readonly element: number;
}

/** What a reader made of a byte stream: its instructions, then the fault it stopped at, if any. */
interface Reading {
  readonly instructions: Instruction[];
  readonly fault: Fault | undefined;
}

const faultOf = (error: unknown): Fault => {
  if (!(error instanceof GuacamoleProtocolError)) throw error;
  return { code: error.code, offset: error.offset, element: error.element };
};

/** The session's reading, cut at `ready` as the handshake's is (what follows is the session's). */
function sessionReading(chunks: Uint8Array[], limits: GuacamoleLimits): Reading {
  const instructions: Instruction[] = [];
  const decoder = new InstructionDecoder((i) => instructions.push(i), { limits });
  let fault: Fault | undefined;
  try {
    for (const chunk of chunks) decoder.push(chunk);
  } catch (error) {
    fault = faultOf(error);
  }
  const ready = instructions.findIndex((i) => i.opcode === "ready");
  if (ready < 0) return { instructions, fault };
  return { instructions: instructions.slice(0, ready + 1), fault: undefined };
}

async function handshakeReading(chunks: Uint8Array[], limits: GuacamoleLimits): Promise<Reading> {
  const reader = new HandshakeReader(streamOf(chunks).getReader(), limits);
  const instructions: Instruction[] = [];
  for (;;) {
    try {
      const next = await reader.read();
      instructions.push(next);
      if (next.opcode === "ready") return { instructions, fault: undefined };
    } catch (error) {
      if (error instanceof GuacamoleProtocolError) return { instructions, fault: faultOf(error) };
      expect(error).toMatchObject({ code: "CONNECTION_CLOSED" });
      return { instructions, fault: undefined };
    }
  }
}

/** Pieces of a byte stream: whole instructions, grammar fragments, malformed UTF-8, noise. */
const pieceArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: instructionArb.map((i) => utf8(encodeInstruction(i))) },
  { weight: 1, arbitrary: fc.constant(utf8("5.ready,4.$abc;")) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(";", ",", ".", "1.", "0.", "12.", "a", "99999.", "1.é", "2.🌍", "-1.")
      .map(utf8),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      Uint8Array.of(0xe4),
      Uint8Array.of(0xf0, 0x9f),
      Uint8Array.of(0xff),
      Uint8Array.of(0x80, 0x41),
      Uint8Array.of(0xc3),
    ),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
);

const streamArb = fc.array(pieceArb, { maxLength: 10 }).map((pieces) => concat(pieces));

/** guacd's limits, or small ones that the generated streams run into. */
const limitsArb: fc.Arbitrary<GuacamoleLimits> = fc.oneof(
  fc.constant(resolveLimits()),
  fc
    .record({
      maxElementLength: fc.integer({ min: 1, max: 40 }),
      maxElements: fc.integer({ min: 1, max: 8 }),
      maxLengthDigits: fc.integer({ min: 1, max: 4 }),
      maxInstructionBytes: fc.integer({ min: 4, max: 200 }),
    })
    .map((limits) => resolveLimits(limits)),
);

const STRICT = new TextDecoder("utf-8", { fatal: true });

/** decodeInstruction's verdict on `text`, foretold from the byte decoder's reading of it. */
function expectedFromBytes(bytes: Uint8Array, limits: GuacamoleLimits): Instruction | Fault {
  let first: { instruction: Instruction; end: number } | undefined;
  const decoder = new InstructionDecoder(
    (instruction) => {
      first ??= { instruction, end: decoder.instructionEnd };
    },
    { limits },
  );
  try {
    decoder.push(bytes);
  } catch (error) {
    if (first === undefined) return faultOf(error);
  }
  if (first === undefined) {
    let element = 0;
    try {
      decoder.finish();
    } catch (error) {
      element = faultOf(error).element;
    }
    return { code: "TRUNCATED", offset: bytes.length, element };
  }
  if (first.end !== bytes.length) {
    return {
      code: "TRAILING_DATA",
      offset: first.end,
      element: first.instruction.args.length + 1,
    };
  }
  return first.instruction;
}

describe("one grammar", () => {
  prop.prop([streamArb, cutsArb, limitsArb])(
    "the handshake reader and the session decoder agree on every instruction and fault",
    async (bytes, cuts, limits) => {
      const chunks = cutAt(bytes, cuts);
      expect(await handshakeReading(chunks, limits)).toEqual(sessionReading(chunks, limits));
    },
  );

  prop.prop([streamArb, limitsArb])(
    "decodeInstruction on text gives what the byte decoder gives on its UTF-8",
    (bytes, limits) => {
      let text: string;
      try {
        text = STRICT.decode(bytes);
      } catch {
        return; // text has no form for malformed UTF-8; the byte property covers it
      }
      const expected = expectedFromBytes(bytes, limits);
      let actual: Instruction | Fault;
      try {
        actual = decodeInstruction(text, limits);
      } catch (error) {
        actual = faultOf(error);
      }
      expect(actual).toEqual(expected);
    },
  );

  test("the handshake accepts malformed UTF-8 exactly as the session does", async () => {
    const bytes = concat([
      utf8("4.args,13.VERSION_1_5_0,1."),
      Uint8Array.of(0xe4),
      utf8("A;3.nop;"),
    ]);
    const limits = resolveLimits();
    const handshake = await handshakeReading([bytes], limits);
    expect(handshake).toEqual(sessionReading([bytes], limits));
    expect(handshake.instructions).toEqual([
      { opcode: "args", args: ["VERSION_1_5_0", "\uFFFDA"] },
      { opcode: "nop", args: [] },
    ]);
  });

  test("a handshake fault carries the byte offset from the connection's start", async () => {
    // "1.12;" is a one-character value followed by "2", not a terminator: byte 39 (after the
    // two-byte "é"; a UTF-16 index would say 38).
    const bytes = utf8("4.args,13.VERSION_1_5_0,1.é;4.sync,1.12;");
    const reader = new HandshakeReader(
      streamOf([bytes.subarray(0, 5), bytes.subarray(5)]).getReader(),
      resolveLimits(),
    );
    expect(await reader.read()).toEqual({ opcode: "args", args: ["VERSION_1_5_0", "é"] });
    await expect(reader.read()).rejects.toMatchObject({
      code: "INVALID_TERMINATOR",
      offset: 39,
    });
  });
});
