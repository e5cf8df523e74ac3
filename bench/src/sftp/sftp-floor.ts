// guacd's own pace for SFTP: the same 8 MiB upload and download as sftp-speed.ts, but driven on
// the raw connection (after GuacamoleClient's handshake and detach) by a loop that answers each
// ack with the next blob, and each blob with an ack, the moment it is decoded: no streams, no
// queues. What is left is guacd's time and the loopback's; the gap to sftp-speed.ts is ours.
// `--window N` keeps N upload blobs in flight instead of one (guacd acks each in order).
//
//   GUACD_HOST=127.0.0.1 tsx --conditions=@guacstream/source bench/src/sftp/sftp-floor.ts [--rounds 5] [--window 1]
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createConnection } from "node:net";
import { parseArgs } from "node:util";
import { type Instruction, InstructionDecoder } from "@guacstream/codec";
import { GuacamoleClient } from "@guacstream/codec/client";
import { socketToDuplex } from "@guacstream/guacd-sim/node";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    mib: { type: "string", default: "8" },
    window: { type: "string", default: "1" },
  },
});
const size = Number(values.mib) * 1024 * 1024;
const window = Number(values.window);
const BLOB = 6048;
const enc = (opcode: string, ...args: (string | number)[]) =>
  `${[opcode, ...args.map(String)].map((e) => `${e.length}.${e}`).join(",")};`;

async function session() {
  const socket = createConnection({ host: process.env.GUACD_HOST ?? "127.0.0.1", port: 4822 });
  await new Promise<void>((resolve, reject) =>
    socket.once("connect", resolve).once("error", reject),
  );
  socket.setNoDelay(true);
  const client = new GuacamoleClient(socketToDuplex(socket), { keepAliveInterval: 0 });
  await client.handshake({
    protocol: "ssh",
    parameters: {
      hostname: "127.0.0.1",
      port: "2222",
      username: "guac",
      password: "guac",
      "enable-sftp": "true",
    },
  });
  const raw = client.detach();
  const writer = raw.writable.getWriter();
  const send = (text: string) => void writer.write(new TextEncoder().encode(text));
  let handler: (i: Instruction) => void = () => {};
  const decoder = new InstructionDecoder((i) => {
    if (i.opcode === "sync") send(enc("sync", i.args[0]!));
    handler(i);
  });
  void (async () => {
    const reader = raw.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      decoder.push(value);
    }
  })();
  // guacd exposes the filesystem as object 0 right after connecting.
  await new Promise<void>((resolve) => {
    handler = (i) => i.opcode === "filesystem" && resolve();
  });
  return {
    send,
    on: (h: (i: Instruction) => void) => {
      handler = h;
    },
    close: async () => {
      send(enc("disconnect"));
      await writer.close().catch(() => {});
    },
  };
}

const up: number[] = [];
const down: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const s = await session();
  const data = new Uint8Array(randomBytes(size));
  const path = `/tmp/guacstream-sftp-floor-${process.pid}-${round}.bin`;
  const blobs = Math.ceil(size / BLOB);
  const blobText = (k: number) =>
    enc("blob", 0, Buffer.from(data.subarray(k * BLOB, (k + 1) * BLOB)).toString("base64"));
  let started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let acked = 0;
    s.on((i) => {
      if (i.opcode !== "ack" || i.args[0] !== "0") return;
      if (i.args[2] !== "0") return reject(new Error(`refused: ${i.args[1]}`));
      if (acked++ === 0) {
        // the open: fill the window
        while (next < blobs && next < window) s.send(blobText(next++));
        return;
      }
      if (acked === blobs + 2) return resolve(); // open + blobs + end
      if (next < blobs) s.send(blobText(next++));
      else if (acked === blobs + 1) s.send(enc("end", 0));
    });
    s.send(enc("put", 0, 0, "application/octet-stream", path));
  });
  up.push(size / 1e6 / ((performance.now() - started) / 1000));
  started = performance.now();
  let received = 0;
  await new Promise<void>((resolve) => {
    let stream = "";
    s.on((i) => {
      if (i.opcode === "body") {
        stream = i.args[1]!;
        s.send(enc("ack", stream, "OK", 0));
      } else if (i.opcode === "blob" && i.args[0] === stream) {
        received += (i.args[1]!.length * 3) / 4;
        s.send(enc("ack", stream, "OK", 0));
      } else if (i.opcode === "end" && i.args[0] === stream) resolve();
    });
    s.send(enc("get", 0, path));
  });
  down.push(size / 1e6 / ((performance.now() - started) / 1000));
  console.log(
    `round ${round + 1}: upload ${up.at(-1)!.toFixed(2)} MB/s, download ${down.at(-1)!.toFixed(2)} MB/s (${received} bytes)`,
  );
  await s.close();
  rmSync(path, { force: true });
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `floor (window ${window}): upload median ${med(up).toFixed(2)} MB/s (${Math.min(...up).toFixed(2)}–${Math.max(...up).toFixed(2)}), ` +
    `download median ${med(down).toFixed(2)} MB/s (${Math.min(...down).toFixed(2)}–${Math.max(...down).toFixed(2)})`,
);
