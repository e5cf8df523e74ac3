// Records short live sessions with typed text through a real guacd, for the key log's test data:
// guacd writes the recording itself (`recording-path`, `recording-include-keys`). Run with tsx:
//   GUACD_HOST=127.0.0.1 tsx --conditions=@guacstream/source packages/recording/scripts/record-live.ts <out-dir> [ssh|telnet|vnc]...
// Targets are the ones `real-guacd.sh` starts (SSH :2222, telnet :2323, VNC :5900).
import { mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import { resolve } from "node:path";
import { GuacamoleClient, KEYSYMS } from "@guacstream/codec/client";
import { socketToDuplex } from "@guacstream/guacd-sim/node";

const TARGETS: Record<string, Record<string, string>> = {
  ssh: { hostname: "127.0.0.1", port: "2222", username: "guac", password: "guac" },
  telnet: { hostname: "127.0.0.1", port: "2323", username: "guac", password: "guac" },
  vnc: { hostname: "127.0.0.1", port: "5900" },
};

const outDir = resolve(process.argv[2] ?? ".");
const protocols = process.argv.slice(3);
mkdirSync(outDir, { recursive: true });

for (const protocol of protocols.length > 0 ? protocols : Object.keys(TARGETS)) {
  await record(protocol);
}

async function record(protocol: string): Promise<void> {
  const socket = createConnection({ host: process.env.GUACD_HOST ?? "127.0.0.1", port: 4822 });
  await new Promise<void>((done, fail) => socket.once("connect", done).once("error", fail));
  const client = new GuacamoleClient(socketToDuplex(socket));
  await client.handshake({
    protocol,
    width: 640,
    height: 400,
    parameters: {
      ...TARGETS[protocol],
      "recording-path": outDir,
      "recording-name": `${protocol}-guacd.guac`,
      "create-recording-path": "true",
      "recording-include-keys": "true",
    },
  });
  let lastDrawn = Date.now();
  void (async () => {
    for (let i = await client.readInstruction(); i; i = await client.readInstruction()) {
      if (i.opcode === "img" || i.opcode === "png" || i.opcode === "blob") lastDrawn = Date.now();
    }
  })().catch(() => {});
  // Logged in once the screen is quiet.
  const started = Date.now();
  while (Date.now() - lastDrawn < 1500 && Date.now() - started < 20_000) await sleep(100);
  await typeSample(client);
  await sleep(1000);
  await client.close();
  console.log(`recorded ${protocol}`);
}

/** Text, capitals through Shift, corrections, a shortcut and keys guaclog names. */
export async function typeSample(client: GuacamoleClient): Promise<void> {
  const k = client.keyboard;
  await k.type("echo héllo Ω🌍", { delay: 5 });
  await k.key(KEYSYMS.Shift, true);
  await k.press(0x41); // "A" with Shift held: Shift is no shortcut for guaclog
  await k.key(KEYSYMS.Shift, false);
  await k.press(KEYSYMS.Backspace);
  await k.press(KEYSYMS.ArrowLeft);
  await k.press(KEYSYMS.ArrowRight);
  await k.press(KEYSYMS.Tab);
  await k.chord(KEYSYMS.Control, 0x63); // Ctrl+C
  await k.type("ls /tmp", { delay: 5 });
  await k.press(KEYSYMS.Enter);
  await k.chord(KEYSYMS.Control, KEYSYMS.Alt, 0x74);
  await k.press(KEYSYMS.Escape);
  await k.type("exit", { delay: 5 });
  await k.press(KEYSYMS.Enter);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
