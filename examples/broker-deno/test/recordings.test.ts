// The recordings endpoint and the recorder on the Deno broker, started as users start it: off
// unless served, a bearer token on every request, ids that cannot name a path (`..`, encoded or
// not, absolute paths), links out of the folder never followed, fixed-text refusals, a recording's
// exact bytes for an authorised request, and the recorder's settings reaching each session.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CountedGuacd,
  demoToken,
  expectNoStart,
  pollFor,
  type RunningBroker,
  startBroker,
  startCountedGuacd,
  waitFor,
} from "../../broker-node/test/_harness.ts";
import {
  RECORDING,
  rawGet,
  sidecar,
  writeRecordingsFolder,
} from "../../broker-node/test/_recordings-folder.ts";
import { openSession } from "../../broker-node/test/_sessions.ts";

const TOKEN = `${"d".repeat(20)}eno-recordings-token-for-tests`;
const bearer = { authorization: `Bearer ${TOKEN}` };

let root: string;
let dir: string;
let recorded: string;
let guacd: CountedGuacd;
let served: RunningBroker;
let unserved: RunningBroker;
let capped: RunningBroker;
let floored: RunningBroker;
let flooredDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "guacstream-deno-recordings-"));
  dir = writeRecordingsFolder(root);
  recorded = join(root, "recorded");
  flooredDir = join(root, "floored");
  guacd = await startCountedGuacd();
  const real = { GUACD_HOST: guacd.host, GUACD_PORT: String(guacd.port) };
  [served, unserved, capped, floored] = await Promise.all([
    startBroker("deno", { RECORDING_DIR: dir, SERVE_RECORDINGS: "1", RECORDINGS_TOKEN: TOKEN }),
    startBroker("deno", { RECORDING_DIR: dir }),
    // The simulator's desktop is far over 256 KiB: the cap ends the session.
    startBroker("deno", { ...real, RECORDING_DIR: recorded, RECORDING_MAX_BYTES: "262144" }),
    // No disk has this much free: the floor ends the session at its first chunk.
    startBroker("deno", {
      ...real,
      RECORDING_DIR: flooredDir,
      RECORD_KEYS: "1",
      RECORDING_MIN_FREE_BYTES: String(Number.MAX_SAFE_INTEGER),
    }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([served?.stop(), unserved?.stop(), capped?.stop(), floored?.stop()]);
  await guacd?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("the Deno broker's recordings endpoint", () => {
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

  it("streams a recording's bytes, and serves the player", async () => {
    const answer = await rawGet(served.url, "/recordings/abc-123", bearer);
    expect([answer.status, answer.body]).toEqual([200, RECORDING]);
    expect(answer.headers["content-length"]).toBe(String(RECORDING.length));
    const page = await rawGet(served.url, "/player.html");
    expect(page.status).toBe(200);
    expect(page.body).toContain("player.js");
  });

  it("never reads outside the folder, through links, or a recording still being written", async () => {
    const paths = [
      "/recordings/..%2Fsecret",
      "/recordings/%2e%2e%2fsecret",
      "/recordings/..%5Csecret",
      "/recordings/%252e%252e%252fsecret",
      `/recordings/${encodeURIComponent(join(root, "secret"))}`,
      "/recordings/%2Fetc%2Fpasswd",
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
    // Normalised by the URL parser to paths outside /recordings (the page, or 404): not the
    // endpoint, and nothing from outside the folder.
    for (const path of [
      "/recordings/..",
      "/recordings/%2e%2e",
      "/recordings/../secret",
      "/recordings/%2e%2e/secret.guac",
      "/recordings/..\\secret",
      "/recordings/%2E%2E/secret",
      `/recordings/../../../../..${join(root, "secret.guac")}`,
      `/${join(root, "secret.guac")}`,
      `//${join(root, "secret.guac")}`,
    ]) {
      const answer = await rawGet(served.url, path, bearer);
      expect(answer.body).not.toContain("SECRET");
      expect([path, answer.headers["content-type"]]).not.toEqual([
        path,
        "application/octet-stream",
      ]);
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

  it("refuses to start with a short token, or a token without SERVE_RECORDINGS", async () => {
    const short = await expectNoStart("deno", {
      RECORDING_DIR: dir,
      SERVE_RECORDINGS: "1",
      RECORDINGS_TOKEN: "x".repeat(31),
    });
    expect(short.code).toBe(2);
    expect(short.output).toContain("RECORDINGS_TOKEN of at least 32 characters");
    const stray = await expectNoStart("deno", { RECORDING_DIR: dir, RECORDINGS_TOKEN: TOKEN });
    expect(stray.code).toBe(2);
    expect(stray.output).toContain("SERVE_RECORDINGS=1 is not");
  }, 60_000);
});

describe("the Deno broker's recorder", () => {
  it("ends a session at RECORDING_MAX_BYTES, with a status and a sidecar saying why", async () => {
    const session = openSession(capped.url, await demoToken(capped.url));
    const closed = await session.closed;
    // Deno may drop the TCP connection of a peer still sending (echoing syncs) rather than finish
    // the closing handshake (1006 at the client); the broker's event holds the status either way.
    if (closed.code !== 1006)
      expect(closed).toEqual({ code: 1011, reason: "512 Recording failed" });
    await waitFor(
      () =>
        /tunnel closed: \S+ \(1011\): Cannot record: .*cap of 262144 bytes/.test(capped.output()),
      "the broker's closed event",
    );
    const files = await pollFor(() => {
      const names = readdirSync(recorded);
      return names.length === 2 ? names.sort() : undefined;
    }, "the recording and its sidecar");
    const [guac, meta] = files as [string, string];
    expect(meta).toBe(`${guac}.meta.json`);
    const bytes = readFileSync(join(recorded, guac));
    expect(bytes.length).toBeLessThanOrEqual(262144);
    expect(bytes.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(recorded, meta), "utf8"))).toMatchObject({
      protocol: "vnc",
      bytes: bytes.length,
      keysRecorded: false,
      truncated: "byte-cap",
    });
  }, 60_000);

  it("ends a session under RECORDING_MIN_FREE_BYTES, and says whether keys were recorded", async () => {
    const session = openSession(floored.url, await demoToken(floored.url));
    const closed = await session.closed;
    if (closed.code !== 1006)
      expect(closed).toEqual({ code: 1011, reason: "512 Recording failed" });
    const meta = await pollFor(
      () => readdirSync(flooredDir).find((name) => name.endsWith(".meta.json")),
      "the sidecar",
    );
    expect(JSON.parse(readFileSync(join(flooredDir, meta), "utf8"))).toMatchObject({
      protocol: "vnc",
      bytes: 0,
      keysRecorded: true,
      truncated: "disk-floor",
    });
  }, 60_000);
});
