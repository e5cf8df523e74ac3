// Node and Bun, CommonJS: `require` of the ESM-only packages (Node >= 20.19 loads ESM with it).
const codec = require("@guacstream/codec");
const session = require("@guacstream/codec/client");
const transport = require("@guacstream/transport-node");
const tunnel = require("@guacstream/tunnel");

(async () => {
  const { checkCodec, checkSession } = await import("./checks.mjs");
  console.log(await checkCodec(codec));
  console.log(await checkSession({ session, transport, tunnel }, Number(process.env.GUACD_PORT)));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
