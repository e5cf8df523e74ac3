// The blob-bytes decoder gives exactly what the plain decoder gives, with each blob's payload as
// the bytes base64-decoding its string form yields, for every chunking.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { cutsArb, instructionArb } from "../_arbitraries.ts";
import {
  corpusAvailable,
  corpusFiles,
  cutAt,
  decodeChunks,
  readCorpus,
  utf8,
} from "../_test-utils.ts";
import { decodeBase64 } from "./_base64.ts";
import { BlobBytesDecoder, type InstructionOrBlob } from "./blob-bytes-decoder.ts";
import { BlobBytesDecoderStream } from "./blob-bytes-decoder-stream.ts";
import { GuacamoleProtocolError } from "./errors.ts";
import type { Instruction } from "./instruction.ts";
import { encodeInstruction } from "./text.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** What base64-decoding a payload string means here: Buffer's reading of its alphabet bytes. */
function base64Bytes(text: string): Uint8Array {
  if (/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return new Uint8Array(Buffer.from(text, "base64"));
  const kept = [...text].filter((c) => ALPHABET.includes(c)).join("");
  return new Uint8Array(Buffer.from(kept, "base64"));
}

function decodeBlobChunks(chunks: readonly Uint8Array[]): InstructionOrBlob[] {
  const out: InstructionOrBlob[] = [];
  const decoder = new BlobBytesDecoder((i) => out.push(i));
  for (const chunk of chunks) decoder.push(chunk);
  decoder.finish();
  return out;
}

/** The plain decoder's instructions, each blob's payload turned into bytes. */
function expected(instructions: readonly Instruction[]): InstructionOrBlob[] {
  const ascii = (text: string) => [...text].every((c) => c.charCodeAt(0) < 0x80);
  return instructions.map((i) =>
    i.opcode === "blob" && i.args.length === 2 && ascii(i.args.join(""))
      ? { opcode: "blob", args: [i.args[0] as string], bytes: base64Bytes(i.args[1] as string) }
      : i,
  );
}

const blobArb: fc.Arbitrary<Instruction> = fc
  .record({
    stream: fc.oneof(fc.nat({ max: 99 }).map(String), fc.string({ maxLength: 8 })),
    payload: fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("base64")),
      fc.string({ unit: fc.constantFrom(...`${ALPHABET}=-_ !é`), maxLength: 40 }),
    ),
  })
  .map(({ stream, payload }) => ({ opcode: "blob", args: [stream, payload] }));

const streamArb = fc.array(fc.oneof(blobArb, instructionArb), { minLength: 1, maxLength: 10 });

describe("BlobBytesDecoder", () => {
  test.prop([streamArb, cutsArb])(
    "equals the plain decoder with blob payloads base64-decoded, for any split",
    (instructions, cuts) => {
      const bytes = utf8(instructions.map((i) => encodeInstruction(i)).join(""));
      const plain = decodeChunks([bytes]);
      expect(decodeBlobChunks(cutAt(bytes, cuts))).toEqual(expected(plain));
    },
  );

  test.prop([fc.uint8Array({ maxLength: 300 }), cutsArb])(
    "on arbitrary bytes it throws only GuacamoleProtocolError, as the plain decoder does",
    (bytes, cuts) => {
      const outcome = (run: () => unknown[]) => {
        try {
          return { count: run().length };
        } catch (error) {
          expect(error).toBeInstanceOf(GuacamoleProtocolError);
          return { code: (error as GuacamoleProtocolError).code };
        }
      };
      expect(outcome(() => decodeBlobChunks(cutAt(bytes, cuts)))).toEqual(
        outcome(() => decodeChunks([bytes])),
      );
    },
  );

  test.prop([fc.string({ unit: fc.constantFrom(...`${ALPHABET}=*\n`), maxLength: 64 })])(
    "decodeBase64 reads the alphabet's bytes as Buffer does",
    (text) => {
      const bytes = utf8(`x${text}y`);
      expect(decodeBase64(bytes, 1, bytes.length - 1)).toEqual(base64Bytes(text));
    },
  );

  it("agrees with the plain decoder on every corpus recording", async () => {
    if (!corpusAvailable()) return;
    let blobs = 0;
    for (const name of corpusFiles()) {
      const bytes = readCorpus(name);
      let plain: Instruction[];
      try {
        plain = decodeChunks([bytes]);
      } catch {
        continue; // the error cases: the property above covers malformed input
      }
      const seen: InstructionOrBlob[] = [];
      await new Blob([bytes as Uint8Array<ArrayBuffer>])
        .stream()
        .pipeThrough(new BlobBytesDecoderStream())
        .pipeTo(new WritableStream({ write: (i) => void seen.push(i) }));
      // Compared by hand: a deep equal over megabytes of payload takes vitest tens of seconds.
      const want = expected(plain);
      expect(seen.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        const [got, wanted] = [seen[i] as InstructionOrBlob, want[i] as InstructionOrBlob];
        expect(got.opcode).toBe(wanted.opcode);
        expect(got.args).toEqual(wanted.args);
        if ("bytes" in wanted) {
          expect("bytes" in got && Buffer.compare(got.bytes, wanted.bytes)).toBe(0);
          blobs++;
        }
      }
    }
    expect(blobs).toBeGreaterThan(5000);
  }, 60_000);
});
