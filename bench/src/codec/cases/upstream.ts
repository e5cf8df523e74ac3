/**
 * Upstream's cases: the parser guacamole-lite vendors and the npm guacamole-common-js parser, each
 * fed by a streaming `TextDecoder` or by `node:string_decoder`, and upstream's encoder.
 */
import { StringDecoder } from "node:string_decoder";
import type { Instruction } from "@guacstream/codec";
import { do_not_optimize } from "mitata";
import type { UpstreamParserClass } from "../upstream.ts";
import { type BenchCase, type CodecContext, message, type Outcome } from "./case.ts";

/** Upstream decode feeds whose faster one is the ratio reference ("the parser brokers run"). */
export const REFERENCE_FEEDS: readonly string[] = ["lite+TextDecoder", "lite+string_decoder"];

export const FEEDS = ["TextDecoder", "string_decoder"] as const;
export type Feed = (typeof FEEDS)[number];

/** Feeds the chunks to an upstream parser through a streaming text decoder, as a broker does. */
export function feedUpstream(
  Parser: UpstreamParserClass,
  feed: Feed,
  chunks: readonly Uint8Array[],
  onInstruction: (opcode: string, args: string[]) => void,
): string | undefined {
  const parser = new Parser();
  parser.oninstruction = onInstruction;
  try {
    if (feed === "TextDecoder") {
      const text = new TextDecoder();
      for (const chunk of chunks) parser.receive(text.decode(chunk, { stream: true }));
      const rest = text.decode();
      if (rest !== "") parser.receive(rest);
    } else {
      const text = new StringDecoder("utf8");
      for (const chunk of chunks) parser.receive(text.write(chunk));
      const rest = text.end();
      if (rest !== "") parser.receive(rest);
    }
    return undefined;
  } catch (error) {
    return message(error);
  }
}

/** The upstream parsers by the name their case ids start with. */
export function upstreamParsers(ctx: CodecContext): [string, UpstreamParserClass][] {
  return [
    ["lite", ctx.lite],
    ["common-js", ctx.commonJs],
  ];
}

/** Every upstream parser with every feed, and `lite-encode` re-encoding `instructions`. */
export function upstreamCases(
  chunks: readonly Uint8Array[],
  size: number,
  instructions: readonly Instruction[],
  encodedBytes: number,
  ctx: CodecContext,
): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const [name, Parser] of upstreamParsers(ctx)) {
    for (const feed of FEEDS) {
      cases.push({
        id: `${name}+${feed}`,
        label: `${name === "lite" ? "guacamole-lite" : "guacamole-common-js"} Parser + ${feed}`,
        group: "upstream",
        kind: "decode",
        bytesPerRun: size,
        run() {
          const out: Outcome = { instructions: 0, bytes: Number.NaN };
          const error = feedUpstream(Parser, feed, chunks, (opcode, args) => {
            out.instructions++;
            do_not_optimize(opcode);
            do_not_optimize(args);
          });
          if (error !== undefined) out.error = error;
          return out;
        },
      });
    }
  }
  const toInstruction = ctx.lite.toInstruction;
  if (toInstruction !== undefined) {
    cases.push({
      id: "lite-encode",
      label: "guacamole-lite toInstruction + TextEncoder",
      group: "upstream",
      kind: "encode",
      bytesPerRun: encodedBytes,
      run() {
        const out: Outcome = { instructions: 0, bytes: 0 };
        const text = new TextEncoder();
        for (const i of instructions) {
          const bytes = text.encode(toInstruction([i.opcode, ...i.args]));
          out.instructions++;
          out.bytes += bytes.byteLength;
          do_not_optimize(bytes);
        }
        return out;
      },
    });
  }
  return cases;
}
