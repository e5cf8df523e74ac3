// A complete Deno program: connect to guacd, open a VNC session, read what guacd sends (the
// client echoes every sync, as guacd requires), print the count, close.
//
//   npx tsx packages/guacd-sim/src/cli.ts --port 4822 &    # the guacd simulator, or a real guacd
//   GUACD_HOST=127.0.0.1 GUACD_PORT=4822 deno run --allow-net --allow-env examples/hello.ts
import { connectGuacamole } from "@guacstream/transport-deno";

const client = await connectGuacamole({
  host: Deno.env.get("GUACD_HOST") ?? "127.0.0.1",
  port: Number(Deno.env.get("GUACD_PORT") ?? 4822),
  protocol: "vnc",
  parameters: { hostname: Deno.env.get("VNC_HOST") ?? "localhost", port: 5900 },
  width: 1280,
  height: 800,
});
console.log(`connected: ${client.id} (${client.protocolVersion})`);

// A real desktop never ends by itself: stop after 10 s.
const stop = setTimeout(() => void client.close(), 10_000);
let instructions = 0;
let syncs = 0;
for (let next = await client.readInstruction(); next; next = await client.readInstruction()) {
  instructions++;
  if (next.opcode === "sync") syncs++; // already echoed by the client
}
clearTimeout(stop);

const { initiator, error } = await client.closed;
console.log(`${instructions} instructions, ${syncs} syncs echoed, ended by ${initiator}`);
if (error !== undefined) console.log(`error: ${error.message}`);
await client.close(); // also closes the socket: the process exits by itself
