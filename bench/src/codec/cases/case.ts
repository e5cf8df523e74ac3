/** What a codec case is: one thing timed over one input, and what one pass of it saw. */
import type { UpstreamParserClass } from "../upstream.ts";

/** What one pass over the input saw; the bench checks it against our decoder's. */
export interface Outcome {
  /** Instructions seen; NaN where the case cannot know (coalesced frames, floors). */
  instructions: number;
  /** Bytes out (frames, encoded bytes) or in (floors); NaN where not meaningful. */
  bytes: number;
  /** Set when the parser threw: the message. `instructions` is then the count before it. */
  error?: string;
}

export type CaseGroup = "ours" | "upstream" | "floor";
export type CaseKind = "decode" | "frame" | "encode" | "floor";

/** One thing timed over one input. `run` is one full pass from fresh state. */
export interface BenchCase {
  readonly id: string;
  readonly label: string;
  readonly group: CaseGroup;
  readonly kind: CaseKind;
  /** The bytes this case moves per run (input bytes, or encoded bytes for encoders). */
  readonly bytesPerRun: number;
  run(): Outcome | Promise<Outcome>;
}

/** Everything the codec cases need besides the input itself. */
export interface CodecContext {
  readonly lite: UpstreamParserClass;
  readonly commonJs: UpstreamParserClass;
}

/** A thrown value as one line for an outcome. */
export function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
