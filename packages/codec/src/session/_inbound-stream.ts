/** The data of one inbound stream, acknowledged blob by blob as the reader makes room. */
export class InboundStreamState {
  readonly readable: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #unacked = 0;
  #closed = false;
  readonly #ack: () => void;

  /** `ack` makes room for one more blob; `onCancel` runs when the reader gives up on the stream. */
  constructor(_index: number, ack: () => void, onCancel?: () => void) {
    this.#ack = ack;
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => {
          // Room again: acknowledge what guacd is waiting on.
          while (this.#unacked > 0) {
            this.#unacked--;
            this.#ack();
          }
        },
        cancel: () => {
          // After guacd's `end` the index is guacd's again (maybe a new stream already): a
          // failure ack now would answer that one.
          if (this.#closed) return;
          this.#closed = true;
          onCancel?.();
        },
      },
      { highWaterMark: 4 },
    );
  }

  push(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#controller.enqueue(bytes);
    if ((this.#controller.desiredSize ?? 0) > 0) this.#ack();
    else this.#unacked++;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#controller.close();
    } catch {
      // The reader cancelled the stream already.
    }
  }
}
