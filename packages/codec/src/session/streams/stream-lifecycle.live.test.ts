// Live: the stream lifecycle on a real guacd over SSH with SFTP. A refused upload, then an upload,
// a live argument change and a download, each with its own outcome and the bytes on disk. Runs
// when GUACD_HOST is set and an SSH target is given in GUACD_SSH_PARAMS (JSON, e.g.
// {"hostname":"127.0.0.1","port":"2222","username":"guac","password":"guac"}). With guacd on
// loopback, the SSH server is this machine, so the files are checked on disk here too.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { LIVE_GUACD, LIVE_SSH_PARAMS, openLiveSsh, pollLive } from "../../_test-utils.ts";
import type { Instruction } from "../../wire/instruction.ts";
import type { GuacamoleLateAck } from "../client-options.ts";
import { GUACAMOLE_STATUS } from "../status.ts";

const onThisMachine = LIVE_GUACD?.onThisMachine === true;

describe.skipIf(LIVE_GUACD === undefined || LIVE_SSH_PARAMS === undefined)(
  "live guacd: streams after a refusal",
  () => {
    test("refused upload → upload → arguments.set → download", { timeout: 60_000 }, async () => {
      const lateAcks: GuacamoleLateAck[] = [];
      const read: Instruction[] = [];
      const client = await openLiveSsh({
        onLateAck: (ack) => lateAcks.push(ack),
        onRead: (item) => read.push(item),
      });
      const name = `guacstream-lifecycle-${randomBytes(4).toString("hex")}.bin`;
      const path = `/tmp/${name}`;
      try {
        const sftp = await client.filesystem({ timeout: 20_000 });
        const refused = await sftp
          .upload("/proc/guacstream-nope", new Uint8Array(10))
          .catch((e) => e);
        expect(refused).toMatchObject({ code: "REFUSED", path: "/proc/guacstream-nope" });
        // guacd's own status for the open, never the "Close failed" of a later end.
        expect((refused as { status: number }).status).not.toBe(GUACAMOLE_STATUS.SERVER_ERROR);
        // guacd closes the refused stream when the client ends it, then frees its index; the
        // application reads neither answer.
        await pollLive(10_000, () => (lateAcks.some((a) => a.released) ? true : undefined));
        expect(lateAcks.map((a) => [a.message, a.status, a.released])).toEqual([
          ["SFTP: Close failed", GUACAMOLE_STATUS.SERVER_ERROR, false],
          ["Invalid stream index", GUACAMOLE_STATUS.CLIENT_BAD_REQUEST, true],
        ]);

        // A clipboard stream (no acks awaited) on the index in between: it must not shift them.
        await client.sendClipboard("guacstream clipboard");
        const data = new Uint8Array(randomBytes(3 * 6048 + 1234));
        await sftp.upload(path, data);
        // Resolved means guacd acked the end, that is, closed the file: it is whole now.
        if (onThisMachine) expect(new Uint8Array(readFileSync(path))).toEqual(data);
        expect((await sftp.list("/tmp")).some((e) => e.name === name)).toBe(true);

        await client.arguments.offered();
        await client.arguments.set("font-size", "14");
        await expect.poll(() => client.arguments.get("font-size"), { timeout: 10_000 }).toBe("14");

        const back = new Uint8Array(await new Response(sftp.download(path)).arrayBuffer());
        expect(back).toEqual(data);

        // And a second refusal right before a sendFile: the file arrives whole too.
        await expect(client.sendFile("../../proc/x", new Uint8Array(5))).rejects.toMatchObject({
          code: "STREAM_FAILED",
        });
        const second = new Uint8Array(randomBytes(7000));
        await sftp.upload(`${path}.2`, second);
        if (onThisMachine) expect(new Uint8Array(readFileSync(`${path}.2`))).toEqual(second);
        expect(read.some((i) => i.opcode === "ack")).toBe(false);
      } finally {
        await client.close();
        if (onThisMachine) {
          for (const file of [path, `${path}.2`])
            if (existsSync(file)) rmSync(file, { force: true });
        }
      }
    });
  },
);
