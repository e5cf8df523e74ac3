/** The messages between the isolated harness (parent) and one case's child process (IPC). */
import type { Outcome } from "../codec/cases/index.ts";
import type { WarmupRule } from "./steady.ts";

export type ToChild =
  | {
      readonly type: "init";
      /** A corpus path or `synthetic:client-small-instructions`. */
      readonly input: string;
      readonly chunkBytes: number;
      readonly caseId: string;
      /** A pass repeats the run until it lasts this long (tiny inputs). */
      readonly minPassMs: number;
    }
  | { readonly type: "warmup"; readonly rule: WarmupRule }
  | { readonly type: "time"; readonly passes: number }
  | { readonly type: "exit" };

export type FromChild =
  | {
      readonly type: "ready";
      readonly pid: number;
      readonly outcome: Outcome;
      readonly bytesPerRun: number;
      /** Runs per pass. */
      readonly reps: number;
    }
  | {
      readonly type: "warmed";
      /** CPU ms per run of every warm-up pass, in order: the warm-up curve. */
      readonly curve: number[];
      /** The same passes in wall-clock ms. */
      readonly wallCurve: number[];
      readonly steady: boolean;
      readonly cv: number;
    }
  | {
      readonly type: "timed";
      /** CPU ms per run of each timed pass (this process's user + system time). */
      readonly ms: number[];
      /** The same passes in wall-clock ms. */
      readonly wallMs: number[];
      /** GC pause ms per run over these passes (null where not measurable). */
      readonly gcMsPerRun: number | null;
    }
  | { readonly type: "failed"; readonly message: string };
