// Tokens any language can issue: one made in Python with Debian's python3-jwcrypto (JWE compact,
// dir + A256GCM), the way the README shows, is accepted by the broker; and weak secrets are
// refused. CI installs python3-jwcrypto (.ci/run); a missing one fails here, it is never skipped.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { FakeBrowser, handshakeGuacd, sealRawToken, until } from "../_test-utils.ts";
import {
  acceptTunnel,
  generateTokenSecret,
  importTokenKey,
  openToken,
  ReplayGuard,
  sealToken,
  type TunnelEvent,
} from "../index.ts";

// The README's Python issuer, word for word but for reading the secret from argv.
const PYTHON_ISSUER = `
import json, secrets, sys, time
from jwcrypto import jwe, jwk
from jwcrypto.common import json_encode

key = jwk.JWK(kty="oct", k=sys.argv[1])  # GUACSTREAM_TOKEN_SECRET, base64url
now = int(time.time())
claims = {
    "jti": secrets.token_urlsafe(16),
    "iat": now,
    "exp": now + 60,
    "user": "alice",
    "settings": {"protocol": "vnc", "parameters": {"hostname": "desktop", "port": "5900"}},
}
token = jwe.JWE(json.dumps(claims).encode(),
                protected=json_encode({"alg": "dir", "enc": "A256GCM", "typ": "JWT"}))
token.add_recipient(key)
print(token.serialize(compact=True))
`;

function pythonToken(secret: string): string {
  const result = spawnSync("/usr/bin/python3", ["-c", PYTHON_ISSUER, secret], { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(
      `python3-jwcrypto could not issue a token (apt-get install -y python3-jwcrypto): ${result.stderr}`,
    );
  }
  return result.stdout.trim();
}

describe("tokens any language can issue", () => {
  it("a token issued in Python with jwcrypto opens a tunnel, once", async () => {
    const secret = generateTokenSecret();
    const key = await importTokenKey(secret);
    const replay = new ReplayGuard();
    const token = pythonToken(secret);
    expect(token.split(".")).toHaveLength(5);
    const opened = await openToken(key, token);
    expect(opened).toMatchObject({ user: "alice", settings: { protocol: "vnc" } });
    expect(opened.expires - opened.issued).toBe(60_000);

    const guacd = handshakeGuacd();
    const events: TunnelEvent[] = [];
    const options = {
      key,
      replay,
      connect: async () => guacd.duplex,
      onEvent: (e: TunnelEvent) => void events.push(e),
    };
    const browser = new FakeBrowser();
    const done = acceptTunnel(browser, `/tunnel?token=${token}`, options);
    await until(() => events.some((e) => e.type === "open"), 5000, "the tunnel to open");
    expect(guacd.afterConnect()).toBe("");
    browser.browserClose();
    expect((await done).status).toBe(0);
    const again = new FakeBrowser();
    await acceptTunnel(again, `/tunnel?token=${token}`, options);
    expect(again.closed).toEqual({ code: 1008, reason: "771 Token already used" });
  });

  it("a Python token under another key is refused as forged", async () => {
    const key = await importTokenKey(generateTokenSecret());
    await expect(openToken(key, pythonToken(generateTokenSecret()))).rejects.toMatchObject({
      code: "TOKEN_FORGED",
    });
  });
});

describe("the user claim", () => {
  it("is read back, and one with a control character (a forged log line) is refused", async () => {
    const key = await importTokenKey(generateTokenSecret());
    const token = await sealToken(key, { protocol: "vnc" }, { user: "alice@example.org" });
    expect((await openToken(key, token)).user).toBe("alice@example.org");
    await expect(sealToken(key, { protocol: "vnc" }, { user: "a\ntunnel closed" })).rejects.toThrow(
      RangeError,
    );
    const now = Date.now() / 1000;
    const raw = await sealRawToken(key, {
      jti: "0123456789abcdefABCDEF",
      iat: now,
      exp: now + 60,
      user: "mallory\u001b[2J",
      settings: { protocol: "vnc" },
    });
    await expect(openToken(key, raw)).rejects.toMatchObject({ code: "TOKEN_MALFORMED" });
  });
});

describe("weak secrets are refused", () => {
  const b64 = (bytes: number[]): string => Buffer.from(bytes).toString("base64url");
  it.each([
    ["43 × A (all zero bytes)", "A".repeat(43)],
    ["one byte repeated", b64(Array(32).fill(0x41))],
    ["a counting sequence", b64(Array.from({ length: 32 }, (_, i) => i))],
    ["printable text", Buffer.from("correct horse battery staple 123").toString("base64url")],
    ["few distinct values", b64(Array.from({ length: 32 }, (_, i) => (i * 7) % 10))],
  ])("%s", async (_what, secret) => {
    await expect(importTokenKey(secret)).rejects.toThrow(/not random/);
  });

  it("a thousand generated secrets are all accepted", async () => {
    for (let i = 0; i < 1000; i++) await importTokenKey(generateTokenSecret());
  });
});
