// Live: drive an SSH session on a real guacd with SFTP on. Runs when GUACD_HOST is set and an SSH
// target is given: GUACD_SSH_PARAMS (JSON, e.g. {"hostname":"127.0.0.1","port":"2222",
// "username":"guac","password":"guac","enable-sftp":"true"}), or GUACD_PARAMS with
// GUACD_PROTOCOL=ssh.
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { LIVE_GUACD, LIVE_SSH_PARAMS, openLiveSsh, pollLive } from "../_test-utils.ts";
import type { GuacamoleFilesystem } from "./files/filesystem.ts";
import { KEYSYMS } from "./input/keysyms.ts";

const listed = async (fs: GuacamoleFilesystem, dir: string, name: string) =>
  (await fs.list(dir)).some((e) => e.name === name) ? true : undefined;

describe.skipIf(LIVE_GUACD === undefined || LIVE_SSH_PARAMS === undefined)(
  "live guacd over SSH",
  () => {
    test("SFTP: list /, upload a file and download it back byte for byte", {
      timeout: 60_000,
    }, async () => {
      const client = await openLiveSsh();
      try {
        const fs = await client.filesystem({ timeout: 15_000 });
        const root = await fs.list("/", { timeout: 15_000 });
        expect(root.some((e) => e.path === "/tmp" && e.directory)).toBe(true);
        const data = new Uint8Array(randomBytes(100_000));
        const name = `guacstream-${Date.now()}-${process.pid}.bin`;
        await fs.upload(`/tmp/${name}`, data);
        const back = new Uint8Array(await new Response(fs.download(`/tmp/${name}`)).arrayBuffer());
        expect(back.length).toBe(data.length);
        expect(Buffer.compare(back, data)).toBe(0);
        expect(await listed(fs, "/tmp", name)).toBe(true);
      } finally {
        await client.close();
      }
    });

    test("SFTP: a refused upload and a missing path fail typed", { timeout: 60_000 }, async () => {
      const client = await openLiveSsh();
      try {
        const fs = await client.filesystem({ timeout: 15_000 });
        const refused = await fs
          .upload("/proc/guacstream-nope", new Uint8Array(10))
          .catch((e) => e);
        expect(refused).toMatchObject({ code: "REFUSED", path: "/proc/guacstream-nope" });
        expect((refused as { status: number }).status).toBeGreaterThan(0);
        await expect(fs.list("/guacstream-missing", { timeout: 2_000 })).rejects.toMatchObject({
          code: "NOT_FOUND",
        });
      } finally {
        await client.close();
      }
    });

    test("type(): a shell command's effect is found through the filesystem", {
      timeout: 60_000,
    }, async () => {
      const client = await openLiveSsh();
      try {
        const fs = await client.filesystem({ timeout: 15_000 });
        // ASCII only: what a shell makes of other keysyms depends on its locale (and guacd 1.6.1's
        // terminal drops keysyms outside the BMP); the mapping itself is checked in memory.
        const name = `guacstream-typed-${Date.now()}-${process.pid}`;
        // The shell may still be starting: type again until the file shows.
        await pollLive(20_000, async () => {
          await client.keyboard.type(`touch /tmp/${name}`, { delay: 5 });
          await client.keyboard.press(KEYSYMS.Enter);
          return pollLive(3_000, () => listed(fs, "/tmp", name)).catch(() => undefined);
        });
        expect(await listed(fs, "/tmp", name)).toBe(true);
      } finally {
        await client.close();
      }
    });

    test("resize and setArgument reach the terminal", { timeout: 60_000 }, async () => {
      const client = await openLiveSsh();
      try {
        await pollLive(10_000, async () => client.display.size);
        const next = client.display.nextSize();
        await client.display.resize(800, 600);
        const size = await next;
        expect(size.width).toBeLessThanOrEqual(800);
        await pollLive(10_000, async () => client.arguments.get("font-size"));
        await client.arguments.set("font-size", "14");
        // guacd echoes an accepted value back to its users.
        await pollLive(10_000, async () => client.arguments.get("font-size") === "14" || undefined);
        await expect(client.arguments.set("hostname", "x")).rejects.toMatchObject({
          code: "UNKNOWN_ARGUMENT",
        });
      } finally {
        await client.close();
      }
    });
  },
);
