// The recordings endpoint the player reads, attacked on the Node broker: off unless served,
// a bearer token on every request, ids that cannot name a path, links and oversized or foreign
// sidecars ignored, fixed-text refusals, and a recording's exact bytes for an authorised request.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeBroker, startNodeBroker } from "../src/broker.ts";

const TOKEN = "r".repeat(20) + "ecordings-token-for-tests";
const SECRET = "4.sync,3.999;SECRET-OUTSIDE-THE-FOLDER";

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A GET with the path sent exactly as written (fetch would normalise `..`). */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method, headers: { ...headers } },
      (res) => {
        let body = "";
        res.setEncoding("latin1");
        res.on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const sidecar = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    connection: "$abc",
    protocol: "ssh",
    start: "2026-01-01T00:00:00.000Z",
    end: "2026-01-01T00:00:05.000Z",
    bytes: 25,
    keysRecorded: true,
    ...extra,
  });

let root: string;
let dir: string;
let served: NodeBroker;
let unserved: NodeBroker;
const RECORDING = "4.size,1.0,1.1,1.1;4.sync,3.100;";

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "guacstream-recordings-endpoint-"));
  dir = join(root, "recordings");
  mkdirSync(dir);
  writeFileSync(join(root, "secret.guac"), SECRET);
  writeFileSync(join(root, "secret.guac.meta.json"), sidecar({ connection: "outside" }));
  writeFileSync(join(dir, "abc-123.guac"), RECORDING);
  writeFileSync(join(dir, "abc-123.guac.meta.json"), sidecar({ note: "not passed on" }));
  // A finished recording whose .guac is a link out of the folder: listed, never opened.
  symlinkSync(join(root, "secret.guac"), join(dir, "link-1.guac"));
  writeFileSync(join(dir, "link-1.guac.meta.json"), sidecar({ connection: "link" }));
  // A sidecar that is a link out of the folder: not listed.
  writeFileSync(join(dir, "evil-2.guac"), RECORDING);
  symlinkSync(join(root, "secret.guac.meta.json"), join(dir, "evil-2.guac.meta.json"));
  // Oversized, malformed and misnamed sidecars: not listed.
  writeFileSync(join(dir, "big-3.guac"), RECORDING);
  writeFileSync(join(dir, "big-3.guac.meta.json"), sidecar({ pad: "x".repeat(5000) }));
  writeFileSync(join(dir, "bad-4.guac"), RECORDING);
  writeFileSync(join(dir, "bad-4.guac.meta.json"), '{"connection":');
  writeFileSync(join(dir, "dot.name.guac.meta.json"), sidecar());
  // Still being written: no sidecar yet.
  writeFileSync(join(dir, "live-5.guac"), RECORDING);
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
      const answer = await get(unserved.port, path, bearer);
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
        const answer = await get(served.port, path, headers);
        expect([path, answer.status, answer.body]).toEqual([path, 401, "Unauthorized\n"]);
      }
    }
  });

  it("lists finished recordings from their sidecars, known fields only", async () => {
    const answer = await get(served.port, "/recordings", bearer);
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
    const answer = await get(served.port, "/recordings/abc-123", bearer);
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
      const answer = await get(served.port, path, bearer);
      expect([path, answer.status, answer.body]).toEqual([path, 404, "No such recording\n"]);
    }
    // Normalised by the URL parser to paths outside /recordings: not the endpoint at all.
    for (const path of [
      "/recordings/../secret",
      "/recordings/%2e%2e/secret.guac",
      "/recordings/..\\secret",
      "/recordings/%2E%2E/secret",
    ]) {
      const answer = await get(served.port, path, bearer);
      expect(answer.status).toBe(404);
      expect(answer.body).not.toContain("SECRET");
    }
  });

  it("answers only GET, and only the page's own Host and Origin", async () => {
    const post = await get(served.port, "/recordings", bearer, "POST");
    expect([post.status, post.body]).toEqual([405, "GET only\n"]);
    const foreign = await get(served.port, "/recordings", {
      ...bearer,
      origin: "https://evil.example",
    });
    expect([foreign.status, foreign.body]).toEqual([403, "Forbidden origin\n"]);
    const rebound = await get(served.port, "/recordings", { ...bearer, host: "evil.example" });
    expect([rebound.status, rebound.body]).toEqual([403, "Forbidden host\n"]);
  });

  it("refuses a request line too long to hold, and still answers afterwards", async () => {
    const huge = await get(served.port, `/recordings/${"a".repeat(100_000)}`, bearer).catch(() => ({
      status: 0,
      body: "",
      headers: {},
    }));
    expect(huge.status === 0 || huge.status >= 400).toBe(true);
    expect(huge.body).not.toContain("SECRET");
    const again = await get(served.port, "/recordings/abc-123", bearer);
    expect(again.body).toBe(RECORDING);
  });
});
