import type { Instruction } from "@guacstream/codec";
import { startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { connect } from "@guacstream/transport-node";
import { describe, expect, it } from "vitest";
import { FakeBrowser, until } from "../_test-utils.ts";
import {
  acceptTunnel,
  generateTokenSecret,
  importTokenKey,
  SessionRecorderStream,
  sealToken,
} from "../index.ts";
import type { SessionRecordingMetadata } from "./recorder.ts";

const text = (s: string) => new TextEncoder().encode(s);

function memorySink() {
  const chunks: Uint8Array[] = [];
  let closed = false;
  const sink = new WritableStream<Uint8Array>({
    write: (chunk) => void chunks.push(chunk.slice()),
    close: () => {
      closed = true;
    },
  });
  return {
    sink,
    text: () => chunks.map((c) => new TextDecoder().decode(c)).join(""),
    closed: () => closed,
  };
}

/** Feeds guacd's chunks through a recorder; resolves with what passed, or the stream's error. */
async function pass(recorder: SessionRecorderStream, chunks: Uint8Array[]) {
  const passed: Uint8Array[] = [];
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
  try {
    for await (const chunk of readable.pipeThrough(
      recorder,
    ) as unknown as AsyncIterable<Uint8Array>)
      passed.push(chunk);
    return { passed, error: undefined };
  } catch (error) {
    return { passed, error: error as Error };
  }
}

/** Passes browser instructions through the recorder's key tap; resolves with what came out. */
async function tap(recorder: SessionRecorderStream, items: Instruction[]) {
  const tapStream = recorder.keyTap();
  const reader = tapStream.readable.getReader();
  const writer = tapStream.writable.getWriter();
  const out: Instruction[] = [];
  for (const item of items) {
    const written = writer.write(item);
    out.push((await reader.read()).value!);
    await written;
  }
  return out;
}

describe("SessionRecorderStream", () => {
  it("records no key unless asked: keys can be passwords", async () => {
    const { sink, text: recorded } = memorySink();
    const recorder = new SessionRecorderStream(sink);
    const through = await tap(recorder, [{ opcode: "key", args: ["97", "1"] }]);
    expect(through).toEqual([{ opcode: "key", args: ["97", "1"] }]);
    await pass(recorder, [text("4.sync,4.1000;")]);
    expect(recorded()).toBe("4.sync,4.1000;");
    expect(recorder.includeKeys).toBe(false);
  });

  it("records keys as guacd's recording-include-keys does, on guacd's clock", async () => {
    let now = 50_000;
    const { sink, text: recorded } = memorySink();
    const recorder = new SessionRecorderStream(sink, { includeKeys: true, now: () => now });
    const writer = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(text("4.size,1.0,3.640,3.480;4.sync,4.1000;"));
      },
    })
      .pipeThrough(recorder)
      .getReader();
    await writer.read(); // guacd's frame, with its sync at guacd's time 1000
    now += 250;
    const through = await tap(recorder, [
      { opcode: "key", args: ["65507", "1"] },
      { opcode: "mouse", args: ["1", "2", "0"] },
    ]);
    expect(through.map((i) => i.opcode)).toEqual(["key", "mouse"]);
    expect(recorded()).toBe("4.size,1.0,3.640,3.480;4.sync,4.1000;3.key,5.65507,1.1,4.1250;");
  });

  it("ends the session at its byte cap with RECORDING_FAILED, keeping whole instructions", async () => {
    const { sink, text: recorded, closed } = memorySink();
    const metadata: SessionRecordingMetadata[] = [];
    const recorder = new SessionRecorderStream(sink, {
      maxBytes: 30,
      connection: "lab",
      protocol: "vnc",
      writeMetadata: (m) => void metadata.push(m),
    });
    const { passed, error } = await pass(recorder, [
      text("4.sync,4.1000;"),
      text("4.sync,4.1001;"),
      text("4.sync,4.1002;"),
    ]);
    expect(error).toMatchObject({ code: "RECORDING_FAILED" });
    expect(error?.message).toMatch(/cap of 30 bytes/);
    expect(passed).toHaveLength(2);
    await recorder.close();
    expect(closed()).toBe(true);
    expect(recorded()).toBe("4.sync,4.1000;4.sync,4.1001;");
    expect(metadata).toMatchObject([{ bytes: 28, truncated: "byte-cap", connection: "lab" }]);
  });

  it("ends the session when free space falls under the floor", async () => {
    let free = 10_000;
    const { sink } = memorySink();
    const metadata: SessionRecordingMetadata[] = [];
    const recorder = new SessionRecorderStream(sink, {
      freeBytes: () => free,
      minFreeBytes: 5_000,
      checkFreeEvery: 14,
      writeMetadata: (m) => void metadata.push(m),
    });
    const chunk = () => {
      free -= 3_000; // the disk fills as the session goes on
      return text("4.sync,4.1000;");
    };
    const { passed, error } = await pass(recorder, [chunk(), chunk(), chunk()]);
    expect(error).toMatchObject({ code: "RECORDING_FAILED" });
    expect(error?.message).toMatch(/floor is 5000/);
    expect(passed.length).toBeLessThan(3);
    await recorder.close();
    expect(metadata[0]?.truncated).toBe("disk-floor");
  });

  it("writes the metadata sidecar when it closes", async () => {
    let now = Date.parse("2026-01-01T00:00:00.000Z");
    const { sink } = memorySink();
    const metadata: SessionRecordingMetadata[] = [];
    const recorder = new SessionRecorderStream(sink, {
      includeKeys: true,
      connection: "ssh-lab",
      protocol: "ssh",
      now: () => now,
      writeMetadata: (m) => void metadata.push(m),
    });
    const reader = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(text("4.sync,4.1000;"));
        c.close();
      },
    })
      .pipeThrough(recorder)
      .getReader();
    await reader.read();
    now += 90_000;
    await recorder.recordKey(0x61, true);
    await reader.read(); // the end: the recorder closes
    await recorder.close();
    expect(metadata).toEqual([
      {
        connection: "ssh-lab",
        protocol: "ssh",
        start: "2026-01-01T00:00:00.000Z",
        end: "2026-01-01T00:01:30.000Z",
        bytes: 14 + 23,
        keysRecorded: true,
      },
    ]);
  });
});

describe("the broker's recorder, with includeKeys", () => {
  it("puts the browser's keys in the recording, between guacd's instructions", async () => {
    const sim = await startGuacdSimulator({});
    try {
      const key = await importTokenKey(generateTokenSecret());
      const { sink, text: recorded } = memorySink();
      const browser = new FakeBrowser({ echoSync: true });
      const token = await sealToken(key, {
        protocol: "vnc",
        parameters: { hostname: "desktop", port: "5900" },
      });
      const tunnel = acceptTunnel(browser, `/tunnel?token=${token}`, {
        key,
        connect: () => connect({ host: sim.host, port: sim.port }),
        record: (info) =>
          new SessionRecorderStream(sink, {
            includeKeys: true,
            protocol: info.settings.protocol ?? "",
          }),
      });
      await until(() => browser.output.includes("4.sync,"));
      browser.receive("3.key,3.104,1.1;3.key,3.104,1.0;3.key,3.105,1.1;3.key,3.105,1.0;");
      await until(() => (recorded().match(/3\.key,/g) ?? []).length === 4);
      browser.browserClose();
      await tunnel;
      const keys = [...recorded().matchAll(/3\.key,(\d+\.\d+),(\d\.\d),(\d+)\.(\d+);/g)];
      expect(keys.map((k) => `${k[1]},${k[2]}`)).toEqual([
        "3.104,1.1",
        "3.104,1.0",
        "3.105,1.1",
        "3.105,1.0",
      ]);
      // Recorded after guacd's output that came before them, not at the front.
      expect(recorded().indexOf("3.key,")).toBeGreaterThan(recorded().indexOf("4.sync,"));
    } finally {
      await sim.close();
    }
  });
});
