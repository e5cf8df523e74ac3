// Records short live sessions with typed text through the broker's recorder (includeKeys) in
// front of a real guacd, for the key log's test data: a browser stand-in answers guacd's syncs
// and types. Run with tsx:
//   tsx --conditions=@guacstream/source packages/recording/scripts/record-broker.ts <out-dir> [ssh|telnet|vnc]...
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { KEYSYMS, textToKeysyms } from "@guacstream/codec/client";
import { connect } from "@guacstream/transport-node";
import {
  acceptTunnel,
  generateTokenSecret,
  importTokenKey,
  SessionRecorderStream,
  sealToken,
  type WebSocketEventLike,
  type WebSocketLike,
} from "@guacstream/tunnel";

const TARGETS: Record<string, Record<string, string>> = {
  ssh: { hostname: "127.0.0.1", port: "2222", username: "guac", password: "guac" },
  telnet: { hostname: "127.0.0.1", port: "2323", username: "guac", password: "guac" },
  vnc: { hostname: "127.0.0.1", port: "5900" },
};

/** A browser's WebSocket, in memory: echoes each sync and sends what the script types. */
class ScriptedBrowser implements WebSocketLike {
  readyState = 1;
  bufferedAmount = 0;
  lastDrawn = Date.now();
  readonly #listeners = new Map<string, ((event: WebSocketEventLike) => void)[]>();
  send(data: string): void {
    if (/(?:^|;)(?:3\.img|4\.blob|3\.png)/.test(data)) this.lastDrawn = Date.now();
    for (const match of data.matchAll(/(?:^|;)4\.sync,\d+\.(\d+)/g)) {
      const ts = match[1]!;
      queueMicrotask(() => this.type(`4.sync,${ts.length}.${ts};`));
    }
  }
  close(code?: number, reason?: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.#emit({ type: "close", code: code ?? 1000, reason: reason ?? "" });
  }
  addEventListener(type: string, listener: (event: WebSocketEventLike) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  type(message: string): void {
    if (this.readyState === 1) this.#emit({ type: "message", data: message });
  }
  #emit(event: WebSocketEventLike): void {
    for (const listener of this.#listeners.get(event.type) ?? []) listener(event);
  }
}

const outDir = resolve(process.argv[2] ?? ".");
const protocols = process.argv.slice(3);
mkdirSync(outDir, { recursive: true });
const key = await importTokenKey(generateTokenSecret());
for (const protocol of protocols.length > 0 ? protocols : Object.keys(TARGETS)) {
  await record(protocol);
}

async function record(protocol: string): Promise<void> {
  const file = join(outDir, `${protocol}-broker.guac`);
  const browser = new ScriptedBrowser();
  const token = await sealToken(key, { protocol, parameters: TARGETS[protocol]! });
  const tunnel = acceptTunnel(browser, `/tunnel?token=${token}`, {
    key,
    connect: () => connect({ host: "127.0.0.1", port: 4822 }),
    record: () =>
      new SessionRecorderStream(Writable.toWeb(createWriteStream(file)), {
        includeKeys: true,
        connection: `${protocol}-lab`,
        protocol,
        writeMetadata: (meta) => writeFileSync(`${file}.meta.json`, `${JSON.stringify(meta)}\n`),
      }),
  });
  const started = Date.now();
  await sleep(500);
  while (Date.now() - browser.lastDrawn < 1500 && Date.now() - started < 20_000) await sleep(100);
  const press = async (keysym: number, pressed?: boolean) => {
    const states = pressed === undefined ? [1, 0] : [pressed ? 1 : 0];
    for (const state of states) {
      browser.type(`3.key,${String(keysym).length}.${keysym},1.${state};`);
      await sleep(5);
    }
  };
  const type = async (text: string) => {
    for (const keysym of textToKeysyms(text)) await press(keysym);
  };
  await type("echo héllo Ω🌍");
  await press(KEYSYMS.Shift, true);
  await press(0x41);
  await press(KEYSYMS.Shift, false);
  await press(KEYSYMS.Backspace);
  await press(KEYSYMS.ArrowLeft);
  await press(KEYSYMS.ArrowRight);
  await press(KEYSYMS.Tab);
  await press(KEYSYMS.Control, true);
  await press(0x63);
  await press(KEYSYMS.Control, false);
  await type("ls /tmp");
  await press(KEYSYMS.Enter);
  await press(KEYSYMS.Control, true);
  await press(KEYSYMS.Alt, true);
  await press(0x74);
  await press(KEYSYMS.Alt, false);
  await press(KEYSYMS.Control, false);
  await press(KEYSYMS.Escape);
  await type("exit");
  await press(KEYSYMS.Enter);
  await sleep(1000);
  browser.close(1000, "");
  await tunnel;
  console.log(`recorded ${file}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
