import { describe, expect, it, vi } from "vitest";
import { GuacamoleClientError } from "../../wire/errors.ts";
import { type Instruction, instruction } from "../../wire/instruction.ts";
import { base64ToBytes } from "../_base64.ts";
import type { GuacamoleLateAck } from "../client-options.ts";
import { GUACAMOLE_STATUS, type GuacamoleStatusError } from "../status.ts";
import {
  BLOB_BYTES,
  type OutboundStreamOptions,
  OutboundStreams,
  UPLOAD_WINDOW,
} from "./outbound-streams.ts";

interface FakeStream {
  /** The handler refused the stream: blobs and end are acked 512, as guacd's SFTP does. */
  readonly refused: boolean;
}

/**
 * A guacd whose input streams live as libguac keeps them: opened by `file`, freed only by `end`
 * (whose handler acks), an open on a held index running the old stream's end first, `end` on a
 * free index answered "Invalid stream index". `refuse(item, count)` picks the refusals.
 */
function guacdLike(
  options: { refuse?: (item: Instruction, count: number) => boolean; slowAcks?: boolean } = {},
) {
  const sent: Instruction[] = [];
  const acks: Instruction[] = [];
  const open = new Map<string, FakeStream>();
  let count = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const ack = (index: string, message: string, status: number, blob = false) => {
    const item = instruction("ack", index, message, status);
    acks.push(item);
    const deliver = () => {
      if (blob) inFlight--;
      streams.handleAck(item);
    };
    // A slow guacd: acks come after the client has done all it can meanwhile.
    if (options.slowAcks === true) setImmediate(deliver);
    else queueMicrotask(deliver);
  };
  const endStream = (index: string) => {
    const stream = open.get(index)!;
    open.delete(index);
    if (stream.refused) ack(index, "SFTP: Close failed", GUACAMOLE_STATUS.SERVER_ERROR);
    else ack(index, "SFTP: OK", 0);
  };
  const streams: OutboundStreams = new OutboundStreams(
    async (...items) => {
      for (const item of items) {
        sent.push(item);
        const index = item.args[0]!;
        count++;
        if (item.opcode === "blob") inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const refuse = options.refuse?.(item, count) === true;
        if (item.opcode === "file") {
          if (open.has(index)) endStream(index);
          open.set(index, { refused: refuse });
          ack(
            index,
            refuse ? "SFTP: Open failed" : "SFTP: File opened",
            refuse ? GUACAMOLE_STATUS.CLIENT_FORBIDDEN : 0,
          );
        } else if (item.opcode === "blob") {
          const stream = open.get(index);
          if (stream === undefined)
            ack(index, "Invalid stream index", GUACAMOLE_STATUS.CLIENT_BAD_REQUEST, true);
          else if (stream.refused || refuse) {
            open.set(index, { refused: true });
            ack(index, "SFTP: Write failed", GUACAMOLE_STATUS.SERVER_ERROR, true);
          } else ack(index, "SFTP: OK", 0, true);
        } else if (item.opcode === "end") {
          if (open.has(index)) endStream(index);
          else ack(index, "Invalid stream index", GUACAMOLE_STATUS.CLIENT_BAD_REQUEST);
        }
      }
    },
    () => {},
  );
  return { streams, sent, acks, open, maxInFlight: () => maxInFlight };
}

const file = (index: number) => instruction("file", index, "application/octet-stream", "a.bin");
const each: OutboundStreamOptions = { acks: "each", ackEnd: true };
const settle = () => new Promise((resolve) => setImmediate(resolve));
const opcodes = (items: Instruction[]) => items.map((i) => `${i.opcode},${i.args[0]}`);

describe("OutboundStreams", () => {
  it("sends blobs of BLOB_BYTES, one in flight with window 1, and the bytes arrive whole", async () => {
    const { streams, sent, maxInFlight } = guacdLike();
    const data = new Uint8Array(BLOB_BYTES * 2 + 5).map((_, i) => i * 7);
    await streams.send(file, data, { ...each, window: 1 });
    expect(sent.map((i) => i.opcode)).toEqual(["file", "blob", "blob", "blob", "end"]);
    const blobs = sent.filter((i) => i.opcode === "blob").map((i) => base64ToBytes(i.args[1]!));
    expect(blobs.map((b) => b.length)).toEqual([BLOB_BYTES, BLOB_BYTES, 5]);
    expect(Buffer.concat(blobs).equals(Buffer.from(data))).toBe(true);
    expect(maxInFlight()).toBe(1);
  });

  it("keeps at most UPLOAD_WINDOW blobs ahead of guacd's acks, and waits for all before end", async () => {
    const { streams, sent, maxInFlight } = guacdLike({ slowAcks: true });
    const data = new Uint8Array(BLOB_BYTES * (UPLOAD_WINDOW * 3) + 1).map((_, i) => i * 13);
    await streams.send(file, data, each);
    expect(maxInFlight()).toBe(UPLOAD_WINDOW);
    const blobs = sent.filter((i) => i.opcode === "blob").map((i) => base64ToBytes(i.args[1]!));
    expect(Buffer.concat(blobs).equals(Buffer.from(data))).toBe(true);
    expect(sent.at(-1)?.opcode).toBe("end");
  });

  it("a write refused mid-window: every in-flight ack is the old stream's, the next is clean", async () => {
    const { streams, sent, acks } = guacdLike({
      refuse: (item, n) => n === 4 && !!item,
      slowAcks: true,
    });
    const data = new Uint8Array(BLOB_BYTES * (UPLOAD_WINDOW + 4));
    await expect(streams.send(file, data, each)).rejects.toMatchObject({
      cause: { status: GUACAMOLE_STATUS.SERVER_ERROR },
    });
    await vi.waitFor(() => expect(streams.draining).toEqual([]));
    await streams.send(file, new Uint8Array(3), each);
    const last = sent.slice(sent.map((i) => i.opcode).lastIndexOf("file"));
    expect(opcodes(last)).toEqual(["file,0", "blob,0", "end,0"]);
    expect(acks.slice(-3).map((a) => a.args[1])).toEqual([
      "SFTP: File opened",
      "SFTP: OK",
      "SFTP: OK",
    ]);
  });

  it("stops at a refusal with guacd's status, cancelling the source, and ends guacd's stream", async () => {
    const { streams, sent, open } = guacdLike({ refuse: (_, n) => n === 2 });
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new Uint8Array(BLOB_BYTES)),
      cancel: () => {
        cancelled = true;
      },
    });
    const error = await streams.send(file, source, { ...each, window: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuacamoleClientError);
    expect((error as GuacamoleClientError).code).toBe("STREAM_FAILED");
    expect(((error as Error).cause as GuacamoleStatusError).statusName).toBe("SERVER_ERROR");
    expect(opcodes(sent)).toEqual(["file,0", "blob,0", "end,0", "end,0"]);
    expect(cancelled).toBe(true);
    await settle();
    expect(open.size).toBe(0);
    expect(streams.draining).toEqual([]);
  });

  it("after a refused open, the next stream gets its own ack, not the refused one's end", async () => {
    const { streams, sent, acks } = guacdLike({ refuse: (item, n) => n === 1 && !!item });
    await expect(streams.send(file, new Uint8Array(3), each)).rejects.toMatchObject({
      code: "STREAM_FAILED",
      cause: { status: GUACAMOLE_STATUS.CLIENT_FORBIDDEN },
    });
    await streams.send(file, new Uint8Array(3), each);
    expect(opcodes(sent)).toEqual(["file,0", "end,0", "end,0", "file,0", "blob,0", "end,0"]);
    expect(acks.map((a) => `${a.args[0]},${a.args[1]}`)).toEqual([
      "0,SFTP: Open failed",
      "0,SFTP: Close failed",
      "0,Invalid stream index",
      "0,SFTP: File opened",
      "0,SFTP: OK",
      "0,SFTP: OK",
    ]);
  });

  it("keeps a refused stream's index until guacd answers for it, using the next meanwhile", async () => {
    const sent: Instruction[] = [];
    const late: GuacamoleLateAck[] = [];
    const streams = new OutboundStreams(
      async (...items) => void sent.push(...items),
      () => {},
      (ack) => late.push(ack),
    );
    const refused = streams.send(file, new Uint8Array(1), each);
    await settle();
    streams.handleAck(
      instruction("ack", 0, "SFTP: Open failed", GUACAMOLE_STATUS.CLIENT_FORBIDDEN),
    );
    await expect(refused).rejects.toMatchObject({ code: "STREAM_FAILED" });
    expect(streams.draining).toEqual([0]);
    const next = streams.send(file, new Uint8Array(1), each);
    await settle();
    expect(sent.at(-1)).toEqual(file(1));
    // The refused stream's end answer is taken as its own, whatever it says.
    expect(
      streams.handleAck(instruction("ack", 0, "SFTP: Close failed", GUACAMOLE_STATUS.SERVER_ERROR)),
    ).toBe(true);
    expect(streams.draining).toEqual([0]);
    expect(
      streams.handleAck(
        instruction("ack", 0, "Invalid stream index", GUACAMOLE_STATUS.CLIENT_BAD_REQUEST),
      ),
    ).toBe(true);
    expect(streams.draining).toEqual([]);
    // Both answered the client's clean-up, which nothing awaits.
    expect(late).toEqual([
      {
        index: 0,
        message: "SFTP: Close failed",
        status: GUACAMOLE_STATUS.SERVER_ERROR,
        released: false,
      },
      {
        index: 0,
        message: "Invalid stream index",
        status: GUACAMOLE_STATUS.CLIENT_BAD_REQUEST,
        released: true,
      },
    ]);
    // An ack on an index the client does not hold is not the client's.
    expect(streams.handleAck(instruction("ack", 5, "OK", 0))).toBe(false);
    streams.end(undefined);
    await expect(next).rejects.toMatchObject({ code: "STREAM_FAILED" });
  });

  it("ends the stream when the source fails, and passes the source's error on", async () => {
    const { streams, sent } = guacdLike();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      throw new Error("disk on fire");
    }
    await expect(streams.send(file, failing(), each)).rejects.toThrow("disk on fire");
    expect(opcodes(sent)).toEqual(["file,0", "end,0", "end,0"]);
    await settle();
    expect(streams.draining).toEqual([]);
  });

  it("a stream whose acks are not awaited is ended twice and its index freed by guacd's answer", async () => {
    const { streams, sent } = guacdLike();
    await streams.send(file, new Uint8Array(1), { acks: "none" });
    await settle();
    expect(streams.draining).toEqual([]);
    expect(opcodes(sent)).toEqual(["file,0", "blob,0", "end,0", "end,0"]);
  });

  it("fails waiting streams when the session ends, and refuses new ones", async () => {
    const sent: Instruction[] = [];
    const streams = new OutboundStreams(
      async (...items) => void sent.push(...items),
      () => {},
    );
    const pending = streams.send(file, new Uint8Array(1), each);
    await Promise.resolve();
    streams.end(new Error("gone"));
    await expect(pending).rejects.toMatchObject({ code: "STREAM_FAILED" });
    await expect(streams.send(file, new Uint8Array(1), each)).rejects.toMatchObject({
      code: "STREAM_FAILED",
    });
  });

  it("frees the index of a finished stream for the next one", async () => {
    const { streams, sent } = guacdLike();
    await streams.send(file, new Uint8Array(1), each);
    await streams.send(file, new Uint8Array(1), each);
    expect(sent.filter((i) => i.opcode === "file").map((i) => i.args[0])).toEqual(["0", "0"]);
  });
});
