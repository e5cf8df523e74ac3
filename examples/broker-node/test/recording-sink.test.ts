// What the Node broker hands each session's recorder: its settings reach the recorder (the cap,
// the free-space floor of the folder, keys, the sidecar), and the files land in the folder only.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SessionRecorderStream, type TunnelInfo } from "@guacstream/tunnel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RecorderSettings, recordingSink } from "../src/recordings.ts";

const INFO: TunnelInfo = {
  uuid: "0b7e5a52-9a4e-4c1e-8f7e-3d1c2b4a5f60",
  tokenId: "t",
  connectionId: "$../../etc/passwd",
  settings: { protocol: "ssh" },
};
const SETTINGS: RecorderSettings = {
  includeKeys: false,
  maxBytes: 1 << 20,
  minFreeBytes: 0,
  metadata: true,
};
const FRAME = new TextEncoder().encode("4.sync,3.100;");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "guacstream-sink-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Passes `chunks` through the recorder as the bridge does, then closes it; the error, if any. */
async function record(settings: RecorderSettings, chunks: Uint8Array[]): Promise<unknown> {
  const recorder = recordingSink(dir, INFO, false, settings)!;
  let error: unknown;
  try {
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    await source.pipeThrough(recorder).pipeTo(new WritableStream());
  } catch (e) {
    error = e;
  }
  await recorder.close();
  return error;
}

// guacd's id, reduced to safe characters, then the tunnel's UUID.
const path = "etcpasswd-0b7e5a52-9a4e-4c1e-8f7e-3d1c2b4a5f60.guac";

describe("each session's recorder", () => {
  it("writes the .guac and its sidecar inside the folder, whatever guacd named it", async () => {
    expect(await record(SETTINGS, [FRAME, FRAME])).toBeUndefined();
    expect(readFileSync(join(dir, path), "utf8")).toBe("4.sync,3.100;4.sync,3.100;");
    const sidecar = JSON.parse(readFileSync(join(dir, `${path}.meta.json`), "utf8"));
    expect(sidecar).toMatchObject({
      connection: INFO.connectionId,
      protocol: "ssh",
      bytes: 2 * FRAME.length,
      keysRecorded: false,
    });
    expect(sidecar.truncated).toBeUndefined();
  });

  it("ends at the byte cap, and the sidecar says so", async () => {
    const error = await record({ ...SETTINGS, maxBytes: FRAME.length + 1 }, [FRAME, FRAME]);
    expect(error).toMatchObject({ code: "RECORDING_FAILED" });
    expect(readFileSync(join(dir, path), "utf8")).toBe("4.sync,3.100;");
    const sidecar = JSON.parse(readFileSync(join(dir, `${path}.meta.json`), "utf8"));
    expect(sidecar).toMatchObject({ bytes: FRAME.length, truncated: "byte-cap" });
  });

  it("ends under the folder's free-space floor", async () => {
    const error = await record({ ...SETTINGS, minFreeBytes: Number.MAX_SAFE_INTEGER }, [FRAME]);
    expect(error).toMatchObject({ code: "RECORDING_FAILED" });
    const sidecar = JSON.parse(readFileSync(join(dir, `${path}.meta.json`), "utf8"));
    expect(sidecar).toMatchObject({ bytes: 0, truncated: "disk-floor" });
  });

  it("records keys only when asked, and writes no sidecar when told not to", async () => {
    const other = { ...INFO, uuid: "1111" };
    const plain = recordingSink(dir, INFO, false, SETTINGS)!;
    const keys = recordingSink(dir, other, false, { ...SETTINGS, includeKeys: true })!;
    expect([plain.includeKeys, keys.includeKeys]).toEqual([false, true]);
    await Promise.all([plain.close(), keys.close()]);
    rmSync(join(dir, path));
    rmSync(join(dir, `${path}.meta.json`));
    expect(await record({ ...SETTINGS, metadata: false }, [FRAME])).toBeUndefined();
    expect(existsSync(join(dir, path))).toBe(true);
    expect(existsSync(join(dir, `${path}.meta.json`))).toBe(false);
  });

  it("records a joiner only with recordJoins", async () => {
    const joiner = { ...INFO, settings: { join: "$abc" } };
    expect(recordingSink(dir, joiner, false, SETTINGS)).toBeUndefined();
    const recorder = recordingSink(dir, joiner, true, SETTINGS);
    expect(recorder).toBeInstanceOf(SessionRecorderStream);
    await recorder?.close();
  });
});
