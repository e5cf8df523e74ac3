// SFTP through the real guacd, guacamole-common-js against GuacamoleClient, in one run: the same
// 8 MiB upload and download, rounds interleaved. guacamole-common-js 1.6 runs in headless
// Chromium through the example Node broker (its ArrayBufferWriter sending a blob per ack, as its
// BlobWriter does, and its ArrayBufferReader, acking each blob); GuacamoleClient connects to
// guacd over TCP. Prints MB/s
// per client and direction (median, min, max) and the median of per-round ratios. An upload of
// guacamole-common-js ends when it sends `end` (it cannot see guacd's ack of it); ours when guacd
// acks the end, the file closed: ours is timed over one more round trip.
//
//   GUACD_HOST=127.0.0.1 tsx --conditions=@guacstream/source bench/src/sftp/gcj-compare.ts [--rounds 5] [--mib 8]
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GuacamoleClient } from "@guacstream/codec/client";
import { socketToDuplex } from "@guacstream/guacd-sim/node";
import { launchChromium } from "@guacstream/test-support";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, mib: { type: "string", default: "8" } },
});
const rounds = Number(values.rounds);
const size = Number(values.mib) * 1024 * 1024;
const host = process.env.GUACD_HOST ?? "127.0.0.1";
const ssh = {
  hostname: "127.0.0.1",
  port: "2222",
  username: "guac",
  password: "guac",
  "enable-sftp": "true",
  ...(JSON.parse(process.env.GUACD_SSH_PARAMS ?? "{}") as Record<string, string>),
};
const root = join(import.meta.dirname, "..", "..", "..");

async function startBroker(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@guacstream/source", "--import", "tsx", "examples/broker-node/src/main.ts"],
    {
      cwd: root,
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        METRICS_PORT: "0",
        GUACD_HOST: host,
        DEMO_TOKENS: "1",
        DEMO_TOKENS_WITH_REAL_GUACD: "1",
        GUACD_CONNECTION: JSON.stringify({ protocol: "ssh", parameters: ssh }),
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`broker did not start:\n${output}`)), 90_000);
    const read = (d: Buffer) => {
      output += d.toString();
      const match = /Open (http:\/\/\S+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!.endsWith("/") ? match[1]! : `${match[1]}/`);
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
  });
  return { url, child };
}

async function ours(data: Uint8Array, path: string) {
  const socket = createConnection({ host, port: Number(process.env.GUACD_PORT ?? 4822) });
  await new Promise<void>((resolve, reject) =>
    socket.once("connect", resolve).once("error", reject),
  );
  const client = new GuacamoleClient(socketToDuplex(socket));
  await client.handshake({ protocol: "ssh", parameters: ssh });
  void (async () => {
    while ((await client.readInstruction()) !== undefined);
  })().catch(() => {});
  try {
    const fs = await client.filesystem({ timeout: 20_000 });
    let started = performance.now();
    await fs.upload(path, data);
    const upload = performance.now() - started;
    started = performance.now();
    const back = new Uint8Array(await new Response(fs.download(path)).arrayBuffer());
    const download = performance.now() - started;
    if (!Buffer.from(back).equals(Buffer.from(data))) throw new Error("ours: download differs");
    return { upload, download };
  } finally {
    await client.close();
  }
}

// The parts of guacamole-common-js the page uses (only their types here; it runs in the page).
interface GcjStatus {
  isError(): boolean;
  message: string;
}
interface GcjStream {
  sendAck(message: string, code: number): void;
}
interface GcjObject {
  createOutputStream(mimetype: string, name: string): GcjStream;
  requestInputStream(name: string, callback: (stream: GcjStream) => void): void;
}
interface GcjWriter {
  blobLength: number;
  onack: ((status: GcjStatus) => void) | null;
  sendData(data: Uint8Array): void;
  sendEnd(): void;
}
interface GcjReader {
  ondata: ((data: ArrayBuffer) => void) | null;
  onend: (() => void) | null;
}
interface GcjClient {
  onfilesystem: ((object: GcjObject) => void) | null;
  onerror: ((status: GcjStatus) => void) | null;
  connect(data: string): void;
  disconnect(): void;
}
interface Gcj {
  WebSocketTunnel: new (url: string) => unknown;
  Client: new (tunnel: unknown) => GcjClient;
  ArrayBufferWriter: new (stream: GcjStream) => GcjWriter;
  ArrayBufferReader: new (stream: GcjStream) => GcjReader;
}

const { url, child } = await startBroker();
const browser = await launchChromium({ extraArgs: ["--disable-dev-shm-usage"] });
const results: Record<string, number[]> = {
  gcjUp: [],
  gcjDown: [],
  oursUp: [],
  oursDown: [],
  ratioUp: [],
  ratioDown: [],
};
const mbps = (ms: number) => size / 1e6 / (ms / 1000);
try {
  const page = await browser.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  page.on("crash", () => console.error("page crashed"));
  await page.goto(`${url}style.css`); // the broker's origin, without the demo app connecting
  for (let round = 0; round < rounds; round++) {
    const gcjPath = `/tmp/guacstream-gcj-${process.pid}-${round}.bin`;
    const gcj = await page.evaluate(
      async ({ size, path }) => {
        const G = (await import("/vendor/guacamole-common.js" as string)) as Gcj;
        const response = await fetch("demo/token?profile=vnc", { method: "POST" });
        const { token } = (await response.json()) as { token: string };
        const tunnel = new G.WebSocketTunnel("tunnel");
        const client = new G.Client(tunnel);
        const object = await new Promise<GcjObject>((resolve, reject) => {
          client.onfilesystem = (o) => resolve(o);
          client.onerror = (s) => reject(new Error(s.message));
          client.connect(new URLSearchParams({ token }).toString());
        });
        const data = new Uint8Array(size);
        for (let at = 0; at < size; at += 65536)
          crypto.getRandomValues(data.subarray(at, at + 65536));
        let started = performance.now();
        await new Promise<void>((resolve, reject) => {
          // What BlobWriter does (one blob per ack), without its FileReader, which takes this
          // headless Chromium down.
          const writer = new G.ArrayBufferWriter(
            object.createOutputStream("application/octet-stream", path),
          );
          const blob = writer.blobLength;
          let offset = 0;
          writer.onack = (s) => {
            if (s.isError()) return reject(new Error(s.message));
            if (offset === size) {
              // guacamole-common-js frees the stream as it sends `end`, so guacd's ack of the
              // end (the file closed) never reaches it: its upload is done here.
              writer.sendEnd();
              resolve();
              return;
            }
            writer.sendData(data.subarray(offset, offset + blob));
            offset = Math.min(size, offset + blob);
          };
        });
        const upload = performance.now() - started;
        started = performance.now();
        const received = await new Promise<number>((resolve) => {
          object.requestInputStream(path, (stream) => {
            const reader = new G.ArrayBufferReader(stream);
            let n = 0;
            reader.ondata = (buffer) => {
              n += buffer.byteLength;
              stream.sendAck("OK", 0);
            };
            reader.onend = () => resolve(n);
            stream.sendAck("OK", 0);
          });
        });
        const download = performance.now() - started;
        client.disconnect();
        return { upload, download, received };
      },
      { size, path: gcjPath },
    );
    rmSync(gcjPath, { force: true });
    if (gcj.received !== size) throw new Error(`gcj: downloaded ${gcj.received} of ${size}`);
    const oursPath = `/tmp/guacstream-ours-${process.pid}-${round}.bin`;
    const mine = await ours(new Uint8Array(randomBytes(size)), oursPath);
    rmSync(oursPath, { force: true });
    results.gcjUp!.push(mbps(gcj.upload));
    results.gcjDown!.push(mbps(gcj.download));
    results.oursUp!.push(mbps(mine.upload));
    results.oursDown!.push(mbps(mine.download));
    results.ratioUp!.push(gcj.upload / mine.upload);
    results.ratioDown!.push(gcj.download / mine.download);
    console.log(
      `round ${round + 1}/${rounds}: upload gcj ${mbps(gcj.upload).toFixed(2)} / ours ${mbps(mine.upload).toFixed(2)} MB/s, ` +
        `download gcj ${mbps(gcj.download).toFixed(2)} / ours ${mbps(mine.download).toFixed(2)} MB/s`,
    );
  }
} finally {
  await browser.close();
  child.kill();
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(2)} (min ${s[0]!.toFixed(2)}, max ${s.at(-1)!.toFixed(2)})`;
};
console.log(`upload MB/s   gcj ${stats(results.gcjUp!)}, ours ${stats(results.oursUp!)}`);
console.log(`download MB/s gcj ${stats(results.gcjDown!)}, ours ${stats(results.oursDown!)}`);
console.log(
  `ours faster by (per-round ratio of times): upload ${stats(results.ratioUp!)}x, download ${stats(results.ratioDown!)}x`,
);
