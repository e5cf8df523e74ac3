// Loopback throughput of this package's adapter against Deno's own `conn.readable`/`conn.writable`.
// Method: an in-process Deno.listen server (Deno does socket I/O off the JS thread, but the two
// ends still share one isolate, so treat the numbers as relative) serves "d": write TOTAL bytes in
// 64 KiB chunks then close; "u": read TOTAL bytes then reply one byte. Three rounds per variant,
// best and median in MB/s (1 MB = 10^6 bytes).
// Run: cd /work/main && npx deno run --allow-net=127.0.0.1 packages/transport-deno/src/_throughput.ts [MB]
import { connect } from "./connect.ts";

const TOTAL = Number(Deno.args[0] ?? 256) * 1e6;
const CHUNK = 64 * 1024;
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const port = listener.addr.port;

void (async () => {
  for await (const conn of listener) {
    void (async () => {
      const head = new Uint8Array(1);
      await conn.read(head);
      if (head[0] === 100) {
        const chunk = new Uint8Array(CHUNK);
        for (let sent = 0; sent < TOTAL; ) sent += await conn.write(chunk);
      } else {
        const buffer = new Uint8Array(CHUNK);
        for (let got = 0; got < TOTAL; ) got += (await conn.read(buffer)) ?? TOTAL;
        await conn.write(new Uint8Array([1]));
      }
      conn.close();
    })().catch(() => {});
  }
})();

interface Duplex {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}
const variants: { name: string; open(): Promise<Duplex> }[] = [
  { name: "connect() adapter", open: () => connect({ port }) },
  {
    name: "Deno conn.readable/writable",
    async open() {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.setNoDelay(true);
      return { readable: conn.readable, writable: conn.writable };
    },
  },
];

async function download(variant: { open(): Promise<Duplex> }): Promise<number> {
  const c = await variant.open();
  const writer = c.writable.getWriter();
  const start = performance.now();
  await writer.write(new Uint8Array([100]));
  let got = 0;
  for await (const chunk of c.readable) got += chunk.byteLength;
  await writer.close().catch(() => {});
  return got / 1e3 / (performance.now() - start);
}

async function upload(variant: { open(): Promise<Duplex> }): Promise<number> {
  const c = await variant.open();
  const writer = c.writable.getWriter();
  const start = performance.now();
  await writer.write(new Uint8Array([117]));
  for (let sent = 0; sent < TOTAL; sent += CHUNK) await writer.write(new Uint8Array(CHUNK));
  await c.readable.getReader().read();
  const ms = performance.now() - start;
  await writer.close().catch(() => {});
  return TOTAL / 1e3 / ms;
}

const stats = (xs: number[]): string => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `best ${sorted.at(-1)!.toFixed(0)} MB/s, median ${sorted[1]!.toFixed(0)} MB/s`;
};
console.log(`deno ${Deno.version.deno}, ${TOTAL / 1e6} MB per transfer, 3 rounds`);
for (const variant of variants) {
  const down: number[] = [];
  const up: number[] = [];
  for (let round = 0; round < 3; round++) {
    down.push(await download(variant));
    up.push(await upload(variant));
  }
  console.log(`${variant.name.padEnd(28)} download ${stats(down)}; upload ${stats(up)}`);
}
listener.close();
