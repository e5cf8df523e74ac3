import { describe, expect, test } from "vitest";
import { collect } from "../_test-utils.ts";
import { syncTransform } from "./_sync-transform.ts";

/** Splits each string written into its characters; "!" throws, as a malformed input would. */
function splitter(
  log: string[] = [],
  flushError?: Error,
): { readable: ReadableStream<string>; writable: WritableStream<string> } {
  return syncTransform<string, string>((enqueue) => ({
    transform(chunk) {
      log.push(`transform ${chunk}`);
      if (chunk === "!") throw new Error("bad input");
      for (const char of chunk) enqueue(char);
    },
    flush() {
      log.push("flush");
      if (flushError !== undefined) throw flushError;
      enqueue("$");
    },
  }));
}

/** Lets every pending promise job run: a turn of the event loop, no timer. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("syncTransform", () => {
  test("transforms every chunk in order, then flushes and closes", async () => {
    const pair = splitter();
    const source = new Blob(["ab", "", "c"]).stream().pipeThrough(new TextDecoderStream());
    expect((await collect(source.pipeThrough(pair))).join("")).toBe("abc$");
  });

  test("holds the writer while outputs wait unread: one input chunk ahead at most", async () => {
    const log: string[] = [];
    const pair = splitter(log);
    const writer = pair.writable.getWriter();
    const writes = [writer.write("ab"), writer.write("cd"), writer.write("ef")];
    await settle();
    expect(log).toEqual(["transform ab"]);
    const reader = pair.readable.getReader();
    expect((await reader.read()).value).toBe("a");
    expect((await reader.read()).value).toBe("b");
    await settle();
    expect(log).toEqual(["transform ab"]); // "cd" waits until the reader asks again
    expect((await reader.read()).value).toBe("c");
    expect(log).toEqual(["transform ab", "transform cd"]);
    await writes[0];
    void writer.close();
    const rest: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest.push(value);
    }
    expect(rest).toEqual(["d", "e", "f", "$"]);
    await Promise.all(writes);
  });

  test("does not hold the writer when a chunk yields nothing (the reader may be waiting)", async () => {
    const pair = splitter();
    const reader = pair.readable.getReader();
    const pending = reader.read();
    const writer = pair.writable.getWriter();
    await writer.write("");
    await writer.write("x");
    expect((await pending).value).toBe("x");
  });

  test("a transform that throws errors both sides with its error", async () => {
    const pair = splitter();
    const writer = pair.writable.getWriter();
    const reader = pair.readable.getReader();
    await expect(writer.write("!")).rejects.toThrow("bad input");
    await expect(reader.read()).rejects.toThrow("bad input");
    await expect(writer.write("a")).rejects.toThrow("bad input");
    await expect(writer.closed).rejects.toThrow("bad input");
  });

  test("a flush that throws errors the readable side instead of closing it", async () => {
    const pair = splitter([], new Error("cut short"));
    const writer = pair.writable.getWriter();
    const read = collect(pair.readable);
    await writer.write("a");
    await expect(writer.close()).rejects.toThrow("cut short");
    await expect(read).rejects.toThrow("cut short");
  });

  test("cancelling the readable side errors the writable side and frees a held write", async () => {
    const log: string[] = [];
    const pair = splitter(log);
    const writer = pair.writable.getWriter();
    const reader = pair.readable.getReader();
    const held = writer.write("ab"); // transformed at once, held while its outputs wait unread
    const queued = writer.write("cd");
    await settle();
    await reader.cancel(new Error("gone"));
    await expect(held).rejects.toThrow("gone");
    await expect(queued).rejects.toThrow("gone");
    await expect(writer.write("ef")).rejects.toThrow("gone");
    expect(log).toEqual(["transform ab"]);
  });

  test("aborting the writable side errors the readable side with the reason", async () => {
    const pair = splitter();
    const reader = pair.readable.getReader();
    const read = reader.read();
    await pair.writable.abort(new Error("socket reset"));
    await expect(read).rejects.toThrow("socket reset");
  });

  test("an error from the source reaches the reader through pipeThrough", async () => {
    const source = new ReadableStream<string>({
      start(controller) {
        controller.enqueue("ab");
        controller.error(new Error("read failed"));
      },
    });
    await expect(collect(source.pipeThrough(splitter()))).rejects.toThrow("read failed");
  });
});
