// The example brokers' shared policy (examples/demo-page/policy.ts), and recording names end to
// end: a hostile guacd that names its connection `../escaped` cannot place a recording outside
// the folder, and two users of one connection never share a file.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingFileName, requestPolicy } from "@guacstream/example-demo-page/policy";
import type { TunnelInfo } from "@guacstream/tunnel";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startNodeBroker } from "../src/broker.ts";
import { demoToken } from "./_harness.ts";

const info = (connectionId: string, join?: string): TunnelInfo => ({
  uuid: crypto.randomUUID(),
  tokenId: "t",
  connectionId,
  settings: join === undefined ? { protocol: "vnc" } : { join },
});

describe("requestPolicy", () => {
  const check = requestPolicy({ host: "127.0.0.1", port: 8080 });
  it("a wildcard bind has no default Host list: building it without one throws", () => {
    expect(() => requestPolicy({ host: "0.0.0.0", port: 8080 })).toThrow(/Host names/);
    expect(() => requestPolicy({ host: "::", port: 8080, hosts: ["*"] })).toThrow(/Host names/);
    const listed = requestPolicy({ host: "0.0.0.0", port: 8080, hosts: ["rdp.example:8080"] });
    expect(listed({ host: "rdp.example:8080", origin: null }, false)).toBeUndefined();
    expect(listed({ host: "evil.example:8080", origin: null }, false)?.status).toBe(403);
  });

  it("the Origin rule never comes from the request's own Host", () => {
    // A rebinding page at http://evil.example:8080 whose name now points at the broker: its Host
    // and Origin agree with each other, and neither is on the lists fixed at start.
    const listed = requestPolicy({
      host: "0.0.0.0",
      port: 8080,
      hosts: ["rdp.example:8080", "evil.example:8080"],
    });
    expect(
      listed({ host: "evil.example:8080", origin: "http://evil.example:8080" }, true),
    ).toBeUndefined(); // listed by the operator: allowed, and only because of that
    const own = requestPolicy({ host: "127.0.0.1", port: 8080 });
    expect(own({ host: "127.0.0.1:8080", origin: "http://evil.example:8080" }, true)?.status).toBe(
      403,
    );
    expect(own({ host: "127.0.0.1:8080", origin: "http://localhost:8080" }, true)).toBeUndefined();
  });

  it("answers its own loopback names, and refuses a rebound Host", () => {
    for (const host of ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LOCALHOST:8080"]) {
      expect(check({ host, origin: null }, false)).toBeUndefined();
    }
    expect(check({ host: "evil.example:8080", origin: null }, false)?.status).toBe(403);
    expect(check({ host: null, origin: null }, false)?.status).toBe(403);
    expect(check({ host: "127.0.0.1:9999", origin: null }, false)?.status).toBe(403);
  });
  it("an upgrade needs the page's own Origin; a plain request may omit it but not send a foreign one", () => {
    const host = "127.0.0.1:8080";
    expect(check({ host, origin: "http://127.0.0.1:8080" }, true)).toBeUndefined();
    expect(check({ host, origin: null }, true)?.status).toBe(403);
    expect(check({ host, origin: "http://localhost:9999" }, true)?.status).toBe(403);
    expect(check({ host, origin: "https://evil.example" }, false)?.status).toBe(403);
    const listed = requestPolicy({
      host: "0.0.0.0",
      port: 443,
      hosts: ["rdp.example"],
      origins: ["https://rdp.example"],
    });
    expect(listed({ host: "rdp.example", origin: "https://rdp.example" }, true)).toBeUndefined();
    expect(listed({ host: "rdp.example", origin: "http://rdp.example" }, true)?.status).toBe(403);
  });
});

describe("recordings", () => {
  it("a file name per tunnel, free of path syntax whatever guacd's connection id", () => {
    for (const id of ["../escaped", "..\\..\\x", "/etc/passwd", "$a/b", "", "\u0000"]) {
      const name = recordingFileName(info(id));
      expect(name).toMatch(/^[A-Za-z0-9-]+-[0-9a-f-]{36}\.guac$/);
    }
    const a = recordingFileName(info("$same"));
    const b = recordingFileName(info("$same", "$same"));
    expect(a).not.toBe(b);
  });

  it("a hostile guacd answering `ready,../escaped` gets no session: 1011, and nothing is recorded", async () => {
    // A guacd that completes any handshake with ready,../escaped and then sends a frame and holds.
    const sockets = new Set<Socket>();
    const guacd = createServer((socket) => {
      sockets.add(socket);
      let text = "";
      socket.on("data", (d: Buffer) => {
        text += d.toString("latin1");
        if (text.includes("6.select") && !text.includes("args-sent")) {
          text += "args-sent";
          socket.write("4.args,13.VERSION_1_5_0,8.hostname,4.port,9.read-only;");
        }
        if (text.includes("7.connect,") && !text.includes("ready-sent")) {
          text += "ready-sent";
          socket.write("5.ready,10.../escaped;4.size,1.0,3.800,3.600;4.sync,1.1,1.1;");
        }
      });
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => guacd.listen(0, "127.0.0.1", resolve));
    const port = (guacd.address() as { port: number }).port;
    const base = mkdtempSync(join(tmpdir(), "guacstream-escape-"));
    const dir = join(base, "recordings");
    const broker = await startNodeBroker({
      port: 0,
      guacd: { host: "127.0.0.1", port },
      recordingDir: dir,
      demoTokens: true,
      profiles: { vnc: { protocol: "vnc", parameters: { hostname: "h", port: "5900" } } },
    });
    try {
      const origin = new URL(broker.url).origin;
      const token = await demoToken(broker.url);
      const ws = new WebSocket(
        `${broker.url.replace("http", "ws")}tunnel?token=${token}`,
        "guacamole",
        {
          origin,
        },
      );
      const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
        ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      expect(closed).toEqual({ code: 1011, reason: "515 guacd failed" });
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
      expect(readdirSync(base).filter((f) => f !== "recordings")).toEqual([]);
    } finally {
      await broker.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => guacd.close(resolve));
      rmSync(base, { recursive: true, force: true });
    }
  });
});
