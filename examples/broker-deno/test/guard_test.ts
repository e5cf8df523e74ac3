// `deno test` of the guard's lifetime bound, on timers the test fires itself: a connection that
// is not a WebSocket gets another period only while its answer moves (a recording being
// downloaded lives on), and one whose answer stopped is cut. Run by guard.test.ts.
import assert from "node:assert/strict";
import { ConnectionGuard, type Timers } from "../guard.ts";

const PERIOD = 60_000;
const FLOOR = 64 * 1024;

/** Timers that only run when the test says; the lifetime's are told apart by their delay. */
class ManualTimers implements Timers {
  readonly #pending = new Map<number, { callback: () => void; ms: number }>();
  #next = 1;
  setTimeout(callback: () => void, ms: number): number {
    this.#pending.set(this.#next, { callback, ms });
    return this.#next++;
  }
  clearTimeout(id: number | undefined): void {
    if (id !== undefined) this.#pending.delete(id);
  }
  /** Runs the timers set for `ms` now pending; how many ran. */
  fire(ms: number): number {
    const due = [...this.#pending].filter(([, t]) => t.ms === ms);
    for (const [id, t] of due) {
      this.#pending.delete(id);
      t.callback();
    }
    return due.length;
  }
}

/** A GET through the guard whose answer's body the test writes, chunk by chunk. */
async function download(
  test: (parts: {
    body: WritableStreamDefaultWriter<Uint8Array>;
    timers: ManualTimers;
    /** Resolves once the client has read `bytes` in all (head included). */
    received: (bytes: number) => Promise<void>;
    /** Resolves with the bytes read once the connection ends. */
    ended: Promise<number>;
    cuts: string[];
  }) => Promise<void>,
): Promise<void> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(readable),
  );
  const timers = new ManualTimers();
  const cuts: string[] = [];
  const guard = new ConnectionGuard({
    hostname: "127.0.0.1",
    port: 0,
    headersTimeout: 10_000,
    idleTimeout: 5_000,
    maxLifetime: PERIOD,
    minBytesPerLifetime: FLOOR,
    maxMessageBytes: 65536,
    timers,
    onCut: (_address, why) => void cuts.push(why),
  });
  const port = guard.listen({ hostname: "127.0.0.1", port: server.addr.port });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode("GET /recording HTTP/1.1\r\nHost: x\r\n\r\n"));
  let read = 0;
  const waiting: { bytes: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  const ended = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        read += n;
        for (const w of waiting.filter((w) => read >= w.bytes)) w.resolve();
      }
    } catch {
      // Reset: ended all the same.
    }
    for (const w of waiting) w.reject(new Error(`Cannot read ${w.bytes} bytes: ended at ${read}`));
    return read;
  })();
  const received = (bytes: number) =>
    read >= bytes
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => waiting.push({ bytes, resolve, reject }));
  const body = writable.getWriter();
  try {
    await test({ body, timers, received, ended, cuts });
  } finally {
    try {
      conn.close();
    } catch {
      // Closed by the guard.
    }
    await body.close().catch(() => {});
    await guard.close();
    await server.shutdown();
  }
}

Deno.test("a download that keeps moving outlives the lifetime period", async () => {
  await download(async ({ body, timers, received, cuts }) => {
    // Twice the floor a period, since what the client has read (head and chunk sizes included)
    // says only roughly where the guard counted up to when the period ended.
    let total = 0;
    for (let period = 0; period < 3; period++) {
      void body.write(new Uint8Array(2 * FLOOR));
      total += 2 * FLOOR;
      await received(total);
      assert.equal(timers.fire(PERIOD), 1);
    }
    assert.deepEqual(cuts, []);
    void body.write(new Uint8Array(10));
    await received(total + 10);
  });
});

Deno.test("a connection whose answer stopped is cut at the period's end", async () => {
  await download(async ({ body, timers, received, ended, cuts }) => {
    void body.write(new Uint8Array(FLOOR));
    await received(FLOOR);
    assert.equal(timers.fire(PERIOD), 1);
    // Far under the floor in the next period: cut.
    void body.write(new Uint8Array(1000));
    await received(FLOOR + 1000);
    assert.equal(timers.fire(PERIOD), 1);
    await ended;
    assert.deepEqual(cuts, ["lived too long without an upgrade"]);
  });
});
