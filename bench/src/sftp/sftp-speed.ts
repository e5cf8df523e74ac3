// SFTP through a real guacd: upload and download of one file (8 MiB by default) with
// GuacamoleClient's filesystem, in rounds, each round on a fresh SSH session; prints MB/s per
// direction with the median and spread, and where the time goes (round trips per blob).
//
//   GUACD_HOST=127.0.0.1 tsx --conditions=@guacstream/source bench/src/sftp/sftp-speed.ts \
//     [--rounds 5] [--mib 8] [--window 1] [--out results.json]
//
// Method: the data is random (SSH compresses nothing here); each upload is checked by
// downloading it back, byte for byte; the file is removed after each round. Time runs from the
// call to the transfer's resolution (upload: guacd's ack of `end`, the file closed; download: the
// stream's end). SSH target from GUACD_SSH_PARAMS (JSON), default real-guacd.sh's.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { parseArgs } from "node:util";
import { GuacamoleClient } from "@guacstream/codec/client";
import { socketToDuplex } from "@guacstream/guacd-sim/node";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    mib: { type: "string", default: "8" },
    out: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const size = Number(values.mib) * 1024 * 1024;
const host = process.env.GUACD_HOST ?? "127.0.0.1";
const port = Number(process.env.GUACD_PORT ?? 4822);
const ssh = JSON.parse(
  process.env.GUACD_SSH_PARAMS ??
    '{"hostname":"127.0.0.1","port":"2222","username":"guac","password":"guac"}',
) as Record<string, string>;

async function openSsh(): Promise<GuacamoleClient> {
  const socket = createConnection({ host, port });
  await new Promise<void>((resolve, reject) =>
    socket.once("connect", resolve).once("error", reject),
  );
  socket.setNoDelay(true);
  const client = new GuacamoleClient(socketToDuplex(socket));
  await client.handshake({ protocol: "ssh", parameters: { ...ssh, "enable-sftp": "true" } });
  void (async () => {
    while ((await client.readInstruction()) !== undefined);
  })().catch(() => {});
  return client;
}

/** CPU ms used so far by every process of `name` on this machine (guacd, sshd), from /proc. */
function cpuOf(name: string): number {
  let pids: string[] = [];
  try {
    pids = execFileSync("pgrep", ["-f", name], { encoding: "utf8" }).trim().split("\n");
  } catch {
    return Number.NaN; // none, or not Linux
  }
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Runs `transfer`, giving its wall time and the CPU time of this process, guacd and sshd (the SFTP server). */
async function measured(transfer: () => Promise<void>) {
  const before = { self: process.cpuUsage(), guacd: cpuOf("guacd"), sftp: cpuOf("sshd") };
  const started = performance.now();
  await transfer();
  const wall = performance.now() - started;
  const self = process.cpuUsage(before.self);
  return {
    wall,
    client: (self.user + self.system) / 1000,
    guacd: cpuOf("guacd") - before.guacd,
    sftp: cpuOf("sshd") - before.sftp,
  };
}

const mbps = (ms: number) => size / 1e6 / (ms / 1000);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Cpu = Awaited<ReturnType<typeof measured>>;
const results: {
  round: number;
  uploadMBps: number;
  downloadMBps: number;
  upload: Cpu;
  download: Cpu;
}[] = [];
const cpuText = (c: Cpu) =>
  `CPU ms: client ${c.client.toFixed(0)}, guacd ${c.guacd.toFixed(0)}, sshd ${c.sftp.toFixed(0)}`;
for (let round = 0; round < rounds; round++) {
  const client = await openSsh();
  try {
    const fs = await client.filesystem({ timeout: 20_000 });
    const data = new Uint8Array(randomBytes(size));
    const path = `/tmp/guacstream-sftp-bench-${process.pid}-${round}.bin`;
    const up = await measured(() => fs.upload(path, data));
    let back = new Uint8Array(0);
    const down = await measured(async () => {
      back = new Uint8Array(await new Response(fs.download(path)).arrayBuffer());
    });
    const upload = up.wall;
    const download = down.wall;
    if (back.length !== data.length || !back.every((b, i) => b === data[i])) {
      throw new Error(`round ${round}: the download differs from the upload`);
    }
    results.push({
      round,
      uploadMBps: mbps(upload),
      downloadMBps: mbps(download),
      upload: up,
      download: down,
    });
    console.log(
      `round ${round + 1}/${rounds}: upload ${mbps(upload).toFixed(2)} MB/s (${upload.toFixed(0)} ms; ${cpuText(up)}), ` +
        `download ${mbps(download).toFixed(2)} MB/s (${download.toFixed(0)} ms; ${cpuText(down)})`,
    );
    await import("node:fs").then((m) => m.rmSync(path, { force: true }));
  } finally {
    await client.close();
  }
}
const up = results.map((r) => r.uploadMBps);
const down = results.map((r) => r.downloadMBps);
const line = (name: string, xs: number[], blob: number) =>
  `${name}: median ${median(xs).toFixed(2)} MB/s (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)}), ` +
  `${((blob / 1e6 / median(xs)) * 1e6).toFixed(0)} µs per ${blob}-byte blob round trip`;
console.log(line("upload", up, 6048));
console.log(line("download", down, 4096));
if (values.out !== undefined) {
  writeFileSync(values.out, `${JSON.stringify({ size, rounds, results }, null, 2)}\n`);
}
