// Type-checked with lib ES2023 + DOM + DOM.AsyncIterable, no @types/node (tsconfig.dom.json),
// skipLibCheck false: the runtime-free packages as a browser or bundler project sees them.
import { InstructionDecoderStream } from "@guacstream/codec";
import { GuacamoleClient } from "@guacstream/codec/client";
import { generateTokenSecret, importTokenKey, sealToken, type TokenKey } from "@guacstream/tunnel";

declare const socket: {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
};
const client = new GuacamoleClient(socket);
await client.handshake({ protocol: "vnc", parameters: {} });
for await (const { opcode } of client.instructions) console.log(opcode);
for await (const { args } of socket.readable.pipeThrough(new InstructionDecoderStream())) {
  console.log(args);
}
const key: TokenKey = await importTokenKey(generateTokenSecret());
console.log(await sealToken(key, { protocol: "vnc" }));
