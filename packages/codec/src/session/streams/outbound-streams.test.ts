import { describe, expect, it } from "vitest";
import { GuacamoleClientError } from "../../wire/errors.ts";
import { type Instruction, instruction } from "../../wire/instruction.ts";
import { base64ToBytes } from "../_base64.ts";
import type { GuacamoleStatusError } from "../status.ts";
import { BLOB_BYTES, type OutboundStreamOptions, OutboundStreams } from "./outbound-streams.ts";

/** A guacd that acks what it is sent (or refuses at the n-th ack) and keeps the data. */
function acking(options: { refuseAt?: number } = {}) {
  const sent: Instruction[] = [];
  let acks = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const streams: OutboundStreams = new OutboundStreams(
    async (...items) => {
      for (const item of items) {
        sent.push(item);
        if (item.opcode === "blob") inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        queueMicrotask(() => {
          acks++;
          inFlight = 0;
          const refused = acks === options.refuseAt;
          streams.handleAck(
            instruction("ack", item.args[0]!, refused ? "Denied" : "OK", refused ? 0x0303 : 0),
          );
        });
      }
    },
    () => {},
  );
  return { streams, sent, maxInFlight: () => maxInFlight };
}

const file = (index: number) => instruction("file", index, "application/octet-stream", "a.bin");
const each: OutboundStreamOptions = { acks: "each" };

describe("OutboundStreams", () => {
  it("sends blobs of BLOB_BYTES, one in flight, and the bytes arrive whole", async () => {
    const { streams, sent, maxInFlight } = acking();
    const data = new Uint8Array(BLOB_BYTES * 2 + 5).map((_, i) => i * 7);
    await streams.send(file, data, each);
    expect(sent.map((i) => i.opcode)).toEqual(["file", "blob", "blob", "blob", "end"]);
    const blobs = sent.filter((i) => i.opcode === "blob").map((i) => base64ToBytes(i.args[1]!));
    expect(blobs.map((b) => b.length)).toEqual([BLOB_BYTES, BLOB_BYTES, 5]);
    expect(Buffer.concat(blobs).equals(Buffer.from(data))).toBe(true);
    expect(maxInFlight()).toBe(1);
  });

  it("stops at a refusal with guacd's status, cancelling the source", async () => {
    const { streams, sent } = acking({ refuseAt: 2 });
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new Uint8Array(BLOB_BYTES)),
      cancel: () => {
        cancelled = true;
      },
    });
    const error = await streams.send(file, source, each).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuacamoleClientError);
    expect((error as GuacamoleClientError).code).toBe("STREAM_FAILED");
    expect(((error as Error).cause as GuacamoleStatusError).statusName).toBe("CLIENT_FORBIDDEN");
    expect(sent.map((i) => i.opcode)).toEqual(["file", "blob"]);
    expect(cancelled).toBe(true);
  });

  it("ends the stream when the source fails, and passes the source's error on", async () => {
    const { streams, sent } = acking();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      throw new Error("disk on fire");
    }
    await expect(streams.send(file, failing(), each)).rejects.toThrow("disk on fire");
    expect(sent.map((i) => i.opcode)).toEqual(["file", "end"]);
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
    const { streams, sent } = acking();
    await streams.send(file, new Uint8Array(1), each);
    await streams.send(file, new Uint8Array(1), { acks: "none" });
    expect(sent.filter((i) => i.opcode === "file").map((i) => i.args[0])).toEqual(["0", "0"]);
  });
});
