import { syncTransform } from "./_sync-transform.ts";

/** A decoder fed chunk by chunk that reports what it completes through its callback. */
export interface PushDecoder {
  push(chunk: Uint8Array): void;
  finish(): void;
}

/** The two sides of a decoder stream, and the decoder behind them. */
export interface PushDecoderPair<O, D extends PushDecoder> {
  readonly readable: ReadableStream<O>;
  readonly writable: WritableStream<Uint8Array>;
  readonly decoder: D;
}

/**
 * A push decoder as a transform stream: `create(enqueue)` makes the decoder with `enqueue` as its
 * callback; each chunk written is pushed to it, and closing the writable side finishes it. A
 * fault it throws errors both sides.
 */
export function pushDecoderStream<O, D extends PushDecoder>(
  create: (enqueue: (item: O) => void) => D,
): PushDecoderPair<O, D> {
  let decoder!: D;
  const { readable, writable } = syncTransform<Uint8Array, O>((enqueue) => {
    decoder = create(enqueue);
    return {
      transform: (chunk) => decoder.push(chunk),
      flush: () => decoder.finish(),
    };
  });
  return { readable, writable, decoder };
}
