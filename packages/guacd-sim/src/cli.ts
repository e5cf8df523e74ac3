#!/usr/bin/env node
// guacd-sim: `tsx packages/guacd-sim/src/cli.ts --port 4822 --pace realtime`

import { parseArgs } from "node:util";
import { loadCorpus, startGuacdSimulator } from "./node.ts";

const usage = `Usage: guacd-sim [options]
  --host <addr>            interface to listen on (default 127.0.0.1)
  --port <n>               TCP port (default 4822; 0 picks a free one)
  --pace fast|realtime     replay speed (default fast)
  --corpus <dir>           recordings (default $GUACSTREAM_CORPUS or <repo>/../shared/corpus)
  --sync-timeout <ms>      client timeout after connect (default 15000)
  --handshake-timeout <ms> per handshake instruction (default 15000)
  --close-on-failure       close instead of holding the socket after a failed handshake`;

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "4822" },
    pace: { type: "string", default: "fast" },
    corpus: { type: "string" },
    "sync-timeout": { type: "string" },
    "handshake-timeout": { type: "string" },
    "close-on-failure": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (values.pace !== "fast" && values.pace !== "realtime") {
  console.error(`guacd-sim: --pace must be fast or realtime\n${usage}`);
  process.exit(2);
}

const corpus = await loadCorpus(values.corpus);
const sim = await startGuacdSimulator({
  corpus,
  host: values.host,
  port: Number(values.port),
  pace: values.pace,
  afterHandshakeFailure: values["close-on-failure"] ? "close" : "hold",
  ...(values["sync-timeout"] === undefined
    ? {}
    : { syncTimeoutMs: Number(values["sync-timeout"]) }),
  ...(values["handshake-timeout"] === undefined
    ? {}
    : { handshakeTimeoutMs: Number(values["handshake-timeout"]) }),
});
console.log(`guacd-sim listening on ${sim.address} (pace ${values.pace}, corpus ${corpus.dir})`);

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
