// Type-checked with lib ES2023 + @types/node, no DOM (tsconfig.node.json), skipLibCheck false.
import { InstructionDecoderStream } from "@guacstream/codec";
import {
  type ConnectGuacamoleWithOptions,
  GuacdConnectionError,
} from "@guacstream/codec/transport";
import { loadCorpus, startGuacdSimulator } from "@guacstream/guacd-sim/node";
import { connectGuacamole } from "@guacstream/transport-node";
import { generateTokenSecret, importTokenKey, sealToken, type TokenKey } from "@guacstream/tunnel";

const corpus = await loadCorpus();
const sim = await startGuacdSimulator({ corpus });
const client = await connectGuacamole({ port: sim.port, protocol: "vnc", parameters: {} });
for await (const { opcode } of client.instructions) console.log(opcode);
const bytes = new ReadableStream<Uint8Array>();
for await (const { args } of bytes.pipeThrough(new InstructionDecoderStream())) console.log(args);
const key: TokenKey = await importTokenKey(generateTokenSecret());
console.log(await sealToken(key, { protocol: "vnc" }));
const options: ConnectGuacamoleWithOptions<never> = { protocol: "ssh" };
console.log(
  options,
  new GuacdConnectionError({
    code: "CLOSED",
    host: "h",
    port: 1,
    action: "read from",
    reason: "closed",
  }).code,
);
