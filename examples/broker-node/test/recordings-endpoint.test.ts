// The recordings endpoint the player reads, attacked on the Node broker: off unless served,
// a bearer token on every request, ids that cannot name a path, links and oversized or foreign
// sidecars ignored, fixed-text refusals, and a recording's exact bytes for an authorised request.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeBroker, startNodeBroker } from "../src/broker.ts";
import { RECORDING, rawGet, sidecar, writeRecordingsFolder } from "./_recordings-folder.ts";

const TOKEN = "r".repeat(20) + "ecordings-token-for-tests";
const bearer = { authorization: `Bearer ${TOKEN}` };

let root: string;
let dir: string;
let served: NodeBroker;
let unserved: NodeBroker;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "guacstream-recordings-endpoint-"));
  dir = writeRecordingsFolder(root);
  const common = { port: 0, admin: { port: 0 }, recordingDir: dir } as const;
  served = await startNodeBroker({ ...common, recordingsToken: TOKEN });
  unserved = await startNodeBroker(common);
}, 60_000);

afterAll(async () => {
  await served?.close();
  await unserved?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("the recordings endpoint", () => {
  it("is not there unless the broker serves it, even with the right token", async () => {
    for (const path of ["/recordings", "/recordings/abc-123"]) {
      const answer = await rawGet(unserved.url, path, bearer);
      expect([answer.status, answer.body]).toEqual([404, "Not found\n"]);
    }
  });

  it("refuses requests without the token, with another one, or another scheme", async () => {
    const wrong = [
      {},
      { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `bearer ${TOKEN}` },
      { authorization: `Basic ${btoa(`user:${TOKEN}`)}` },
      { authorization: "Bearer " },
    ];
    for (const headers of wrong) {
      for (const path of ["/recordings", "/recordings/abc-123", "/recordings/..%2Fsecret"]) {
        const answer = await rawGet(served.url, path, headers);
        expect([path, answer.status, answer.body]).toEqual([path, 401, "Unauthorized\n"]);
      }
    }
  });

  it("lists finished recordings from their sidecars, known fields only", async () => {
    const answer = await rawGet(served.url, "/recordings", bearer);
    expect(answer.status).toBe(200);
    expect(answer.headers["cache-control"]).toBe("no-store");
    const listed = JSON.parse(answer.body) as { id: string }[];
    expect(listed.map((r) => r.id).sort()).toEqual(["abc-123", "link-1"]);
    expect(listed.find((r) => r.id === "abc-123")).toEqual({
      id: "abc-123",
      ...JSON.parse(sidecar()),
    });
  });

  it("streams a recording's bytes", async () => {
    const answer = await rawGet(served.url, "/recordings/abc-123", bearer);
    expect([answer.status, answer.body]).toEqual([200, RECORDING]);
    expect(answer.headers["content-length"]).toBe(String(RECORDING.length));
  });

  it("never reads outside the folder, through links, or a recording still being written", async () => {
    const paths = [
      "/recordings/..%2Fsecret",
      "/recordings/%2e%2e%2fsecret",
      "/recordings/..%5Csecret",
      "/recordings/abc-123.guac",
      "/recordings/abc-123%00",
      "/recordings/abc-123%2F..%2F..%2Fsecret",
      "/recordings/-abc",
      "/recordings/",
      "/recordings/link-1",
      "/recordings/evil-2",
      "/recordings/live-5",
      "/recordings/nothing-here",
      `/recordings/${"a".repeat(129)}`,
      `/recordings/${"a".repeat(8000)}`,
    ];
    for (const path of paths) {
      const answer = await rawGet(served.url, path, bearer);
      expect([path, answer.status, answer.body]).toEqual([path, 404, "No such recording\n"]);
    }
    // Normalised by the URL parser to paths outside /recordings: not the endpoint at all.
    for (const path of [
      "/recordings/../secret",
      "/recordings/%2e%2e/secret.guac",
      "/recordings/..\\secret",
      "/recordings/%2E%2E/secret",
    ]) {
      const answer = await rawGet(served.url, path, bearer);
      expect(answer.status).toBe(404);
      expect(answer.body).not.toContain("SECRET");
    }
  });

  it("answers only GET, and only the page's own Host and Origin", async () => {
    const post = await rawGet(served.url, "/recordings", bearer, "POST");
    expect([post.status, post.body]).toEqual([405, "GET only\n"]);
    const foreign = await rawGet(served.url, "/recordings", {
      ...bearer,
      origin: "https://evil.example",
    });
    expect([foreign.status, foreign.body]).toEqual([403, "Forbidden origin\n"]);
    const rebound = await rawGet(served.url, "/recordings", { ...bearer, host: "evil.example" });
    expect([rebound.status, rebound.body]).toEqual([403, "Forbidden host\n"]);
  });

  it("refuses a request line too long to hold, and still answers afterwards", async () => {
    const huge = await rawGet(served.url, `/recordings/${"a".repeat(100_000)}`, bearer).catch(
      () => ({
        status: 0,
        body: "",
        headers: {},
      }),
    );
    expect(huge.status === 0 || huge.status >= 400).toBe(true);
    expect(huge.body).not.toContain("SECRET");
    const again = await rawGet(served.url, "/recordings/abc-123", bearer);
    expect(again.body).toBe(RECORDING);
  });
});
