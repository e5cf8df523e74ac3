// Loopback throughput of this package's hand-written adapter against Node's `Duplex.toWeb(socket)`.
// Method: a child process (plain node:net, so it does not share our event loop) serves each
// connection: "d" = it writes TOTAL bytes in 64 KiB chunks then ends; "u" = it reads TOTAL bytes
// then replies one byte. The client reads (download) or writes 64 KiB chunks (upload) through a web
// stream and times the whole transfer. Three rounds per variant, best and median reported in MB/s
// (1 MB = 10^6 bytes). Then a slow-reader probe: the server floods, the client reads one chunk
// every 10 ms for 1 s, and we report the bytes held in the client process (socket.bytesRead minus
// bytes consumed; the socket is caught with diagnostics_channel) for both variants.
// Run: cd /work/main && npx tsx packages/transport-node/src/_throughput.ts [megabytes]
import { spawn } from "node:child_process";
import { connect as netConnect, type Socket } from "node:net";
import { Duplex } from "node:stream";
import { connect } from "./connect.ts";

const TOTAL = Number(process.argv[2] ?? 256) * 1e6;
const CHUNK = 64 * 1024;

const serverSource = `
const net = require("node:net");
const total = ${TOTAL};
const chunk = Buffer.alloc(${CHUNK}, 7);
const server = net.createServer((socket) => {
  socket.once("data", function first(head) {
    const mode = String.fromCharCode(head[0]);
    if (mode === "d" || mode === "f") {
      let sent = 0;
      const pump = () => {
        while (mode === "f" || sent < total) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once("drain", pump);
        }
        socket.end();
      };
      socket.on("error", () => {});
      pump();
    } else {
      let got = head.length - 1;
      let ended = false;
      const done = () => { if (!ended) { ended = true; socket.end(Buffer.from([1])); } };
      if (got >= total) return done();
      socket.on("data", (c) => { got += c.length; if (got >= total) done(); });
    }
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
process.stdin.on("end", () => process.exit(0)).resume();
`;

const child = spawn(process.execPath, ["-e", serverSource], { stdio: ["pipe", "pipe", "inherit"] });
const port = await new Promise<number>((resolve) => {
  child.stdout.once("data", (data: Buffer) => resolve(Number(String(data).trim())));
});

interface Variant {
  name: string;
  open(): Promise<{
    readable: ReadableStream<Uint8Array>;
    writable: WritableStream<Uint8Array>;
    held(): number;
    close(): Promise<void>;
  }>;
}

const variants: Variant[] = [
  {
    name: "hand-written (connect)",
    async open() {
      const c = await connect({ port });
      return {
        readable: c.readable,
        writable: c.writable,
        held: () => c.bytesRead,
        close: () => c.close(),
      };
    },
  },
  {
    name: "Duplex.toWeb(socket)",
    async open() {
      const socket: Socket = netConnect({ port, host: "127.0.0.1", noDelay: true });
      await new Promise((resolve) => socket.once("connect", resolve));
      const web = Duplex.toWeb(socket) as unknown as {
        readable: ReadableStream<Uint8Array>;
        writable: WritableStream<Uint8Array>;
      };
      return {
        readable: web.readable,
        writable: web.writable,
        held: () => socket.bytesRead,
        close: async () => {
          socket.destroy();
        },
      };
    },
  },
];

async function download(variant: Variant): Promise<number> {
  const c = await variant.open();
  const writer = c.writable.getWriter();
  const start = performance.now();
  await writer.write(new Uint8Array([100]));
  let got = 0;
  const reader = c.readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.byteLength;
  }
  const ms = performance.now() - start;
  if (got < TOTAL) throw new Error(`short read ${got}`);
  await c.close();
  return got / 1e3 / ms;
}

async function upload(variant: Variant): Promise<number> {
  const c = await variant.open();
  const writer = c.writable.getWriter();
  const reader = c.readable.getReader();
  const start = performance.now();
  await writer.write(new Uint8Array([117]));
  for (let sent = 0; sent < TOTAL; sent += CHUNK) await writer.write(new Uint8Array(CHUNK));
  await reader.read();
  const ms = performance.now() - start;
  await c.close();
  return TOTAL / 1e3 / ms;
}

async function slowReaderHeld(variant: Variant): Promise<number> {
  const c = await variant.open();
  await c.writable.getWriter().write(new Uint8Array([102]));
  const reader = c.readable.getReader();
  let consumed = 0;
  let maxHeld = 0;
  const until = performance.now() + 1000;
  while (performance.now() < until) {
    const { value } = await reader.read();
    consumed += value?.byteLength ?? 0;
    maxHeld = Math.max(maxHeld, c.held() - consumed);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await c.close();
  return maxHeld;
}

const stats = (xs: number[]): string => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `best ${sorted.at(-1)!.toFixed(0)} MB/s, median ${sorted[1]!.toFixed(0)} MB/s`;
};
console.log(`node ${process.version}, ${TOTAL / 1e6} MB per transfer, 3 rounds`);
for (const variant of variants) {
  const down: number[] = [];
  const up: number[] = [];
  for (let round = 0; round < 3; round++) {
    down.push(await download(variant));
    up.push(await upload(variant));
  }
  const held = await slowReaderHeld(variant);
  console.log(`${variant.name.padEnd(24)} download ${stats(down)}; upload ${stats(up)}`);
  console.log(`${"".padEnd(24)} slow reader: max bytes held in process ${held}`);
}
child.stdin.end();
