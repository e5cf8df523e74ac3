/** What a {@link syncTransform} stream does with each input chunk and at the end. */
export interface SyncTransformSteps<I> {
  /** Handles one chunk, calling `enqueue` for each output; throwing errors both sides. */
  transform(chunk: I): void;
  /** Called once when the writable side closes, before the readable side closes. */
  flush?(): void;
}

/**
 * Builds a transform stream for work that is synchronous (a decoder, a framer): the same contract as a
 * `TransformStream` — back-pressure from the readable side holds the writer, a fault errors both
 * sides, cancelling the readable side errors the writable side, aborting the writable side errors
 * the readable side — built from one `WritableStream` and one `ReadableStream`. Node's
 * `TransformStream` spends about a quarter more per output chunk (it checks and flips its
 * back-pressure state on every enqueue), and a decoder enqueues one chunk per instruction.
 *
 * The difference in timing: the first chunk written is transformed at once, before anyone reads;
 * every later one waits until the reader has taken everything before it. So at most one input
 * chunk's outputs wait in the readable side's queue.
 */
export function syncTransform<I, O>(
  steps: (enqueue: (chunk: O) => void) => SyncTransformSteps<I>,
): { readable: ReadableStream<O>; writable: WritableStream<I> } {
  let output!: ReadableStreamDefaultController<O>;
  let input!: WritableStreamDefaultController;
  // Set while a write waits for the reader; called when the reader wants more, or with a
  // failure to reject the write.
  let resume: ((failed?: { reason: unknown }) => void) | undefined;
  // Set by the first fault, abort or cancel; every later write or close fails with it. Transform
  // and flush run only before it is set, and a cancel cannot come in the middle of one (they are
  // synchronous), so nothing is enqueued, closed or errored after a cancel.
  let failure: { reason: unknown } | undefined;
  const { transform, flush } = steps((chunk) => output.enqueue(chunk));
  const fail = (reason: unknown): void => {
    if (failure !== undefined) return;
    failure = { reason };
    output.error(reason);
  };
  const readable = new ReadableStream<O>(
    {
      start(controller) {
        output = controller;
      },
      pull() {
        const waiting = resume;
        resume = undefined;
        waiting?.();
      },
      cancel(reason) {
        failure ??= { reason };
        input.error(reason);
        const waiting = resume;
        resume = undefined;
        waiting?.({ reason });
      },
    },
    { highWaterMark: 0 },
  );
  const writable = new WritableStream<I>({
    start(controller) {
      input = controller;
    },
    write(chunk) {
      if (failure !== undefined) throw failure.reason;
      try {
        transform(chunk);
      } catch (error) {
        fail(error);
        throw error;
      }
      // Wait only while outputs are queued: with nothing queued, the reader may already be waiting.
      if ((output.desiredSize ?? 0) >= 0) return undefined;
      return new Promise<void>((resolve, reject) => {
        resume = (failed) => (failed === undefined ? resolve() : reject(failed.reason));
      });
    },
    close() {
      if (failure !== undefined) throw failure.reason;
      try {
        flush?.();
      } catch (error) {
        fail(error);
        throw error;
      }
      output.close();
    },
    abort(reason) {
      fail(reason);
      const waiting = resume;
      resume = undefined;
      waiting?.({ reason });
    },
  });
  return { readable, writable };
}
