// The live-guacd suite: one session against a real guacd, only when GUACD_HOST is set (CI has none).
import assert from "node:assert/strict";
import process from "node:process";
import type { TransportHarness } from "./harness.ts";
import { withTimeout } from "./helpers.ts";

/**
 * Registers the live-guacd tests: they run only when `GUACD_HOST` is set (`GUACD_PORT`, default
 * 4822; `GUACD_PROTOCOL`, default vnc; `GUACD_PARAMS`, JSON connection parameters).
 */
export function defineLiveGuacdSuite(h: TransportHarness): void {
  const host = process.env.GUACD_HOST;
  h.test(
    "live guacd: handshake, read until the first sync, echo it, close",
    async () => {
      const client = await h.connectGuacamole({
        host: host ?? "",
        port: Number(process.env.GUACD_PORT ?? 4822),
        protocol: process.env.GUACD_PROTOCOL ?? "vnc",
        parameters: JSON.parse(process.env.GUACD_PARAMS ?? "{}") as Record<string, string>,
      });
      try {
        assert.match(client.id ?? "", /^\$/);
        // The client echoes each sync as it decodes it, which may be well before the read returns
        // it (it reads ahead): count from the end of the handshake.
        const written = client.connection.bytesWritten;
        let next = await client.readInstruction();
        while (next !== undefined && next.opcode !== "sync") next = await client.readInstruction();
        assert.equal(next?.opcode, "sync", "the session ended before the first sync");
        const echo = `4.sync,${next.args[0]!.length}.${next.args[0]};`;
        for (let i = 0; i < 50 && client.connection.bytesWritten < written + echo.length; i++) {
          await h.sleepReal(10);
        }
        assert.ok(client.connection.bytesWritten >= written + echo.length, "no echo was sent");
      } finally {
        await client.close();
      }
      assert.equal(await withTimeout(client.connection.closed, 2000, "socket close"), undefined);
    },
    { skip: host === undefined || host === "" },
  );
}
