// The example brokers' shared policy (examples/demo-page/policy.ts), and finding 5 end to end:
// a hostile guacd that names its connection `../escaped` cannot place a recording outside the
// folder, and two users of one connection never share a file.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingFileName, requestPolicy } from "@guacstream/example-demo-page/policy";
import type { TunnelInfo } from "@guacstream/tunnel";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startNodeBroker } from "../src/broker.ts";
import { waitFor } from "./_harness.ts";

const info = (connectionId: string, join?: string): TunnelInfo => ({
  uuid: crypto.randomUUID(),
  tokenId: "t",
  connectionId,
  settings: join === undefined ? { protocol: "vnc" } : { join },
});

describe("requestPolicy", () => {
  const check = requestPolicy({ host: "127.0.0.1", port: 8080 });
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
    expect(check({ host, origin: "http://localhost:8080" }, true)?.status).toBe(403);
    expect(check({ host, origin: "https://evil.example" }, false)?.status).toBe(403);
    const listed = requestPolicy({ host: "0.0.0.0", port: 443, origins: ["https://rdp.example"] });
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

  it("a hostile guacd answering `ready,../escaped` records inside the folder, one file per tunnel", async () => {
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
      profiles: { vnc: { protocol: "vnc", parameters: { hostname: "h", port: "5900" } } },
    });
    try {
      const origin = new URL(broker.url).origin;
      for (let i = 0; i < 2; i++) {
        const { token } = (await (await fetch(`${broker.url}demo/token`)).json()) as {
          token: string;
        };
        const ws = new WebSocket(
          `${broker.url.replace("http", "ws")}tunnel?token=${token}`,
          "guacamole",
          {
            origin,
          },
        );
        await new Promise<void>((resolve) => {
          ws.on("message", (d: Buffer) => {
            if (d.toString().includes("sync")) resolve();
          });
        });
        ws.close();
        await new Promise((resolve) => ws.once("close", resolve));
      }
      // The second recording's file is opened as its tunnel starts, which on a loaded machine
      // can come after its client's first message: wait for it (a third never comes).
      const files = await waitFor(
        () => (existsSync(dir) && readdirSync(dir).length >= 2 ? readdirSync(dir) : undefined),
        "both recordings",
        5_000,
      );
      expect(files).toHaveLength(2);
      for (const f of files) expect(f).toMatch(/^escaped-[0-9a-f-]{36}\.guac$/);
      expect(existsSync(join(base, "escaped.guac"))).toBe(false);
      expect(readdirSync(base)).toEqual(["recordings"]);
    } finally {
      await broker.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => guacd.close(resolve));
      rmSync(base, { recursive: true, force: true });
    }
  });
});
