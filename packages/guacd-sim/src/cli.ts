#!/usr/bin/env node
// guacd-sim: `tsx packages/guacd-sim/src/cli.ts --port 4822 --pace realtime`

import { parseArgs } from "node:util";
import { guacdLikeOptions } from "./guacd-like.ts";
import { loadCorpus, startGuacdSimulator } from "./node.ts";

const usage = `Usage: guacd-sim [options]
  --host <addr>            interface to listen on (default 127.0.0.1)
  --port <n>               TCP port (default 4822; 0 picks a free one)
  --pace fast|realtime     replay speed (default fast)
  --corpus <dir>           recordings (default $GUACSTREAM_CORPUS, else the compact set in the
                           package; in the repository, <repo>/../shared/corpus)
  --sync-timeout <ms>      client timeout after connect (default 15000)
  --handshake-timeout <ms> per handshake instruction (default 15000)
  --close-on-failure       close instead of holding the socket after a failed handshake
  --guacd-like             behave as guacd under load: desktops paced by their timestamps, a
                           client lagging on sync throttled (then cut with 776), sessions over
                           --max-sessions reset, SSH key presses echoed
  --max-sessions <n>       sessions at once, more are reset (default 32 with --guacd-like)
  --throttle-lag <ms>      stop frames while the client is this far behind on sync`;

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "4822" },
    pace: { type: "string", default: "fast" },
    corpus: { type: "string" },
    "sync-timeout": { type: "string" },
    "handshake-timeout": { type: "string" },
    "close-on-failure": { type: "boolean", default: false },
    "guacd-like": { type: "boolean", default: false },
    "max-sessions": { type: "string" },
    "throttle-lag": { type: "string" },
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

const number = (name: string, value: string | undefined): Record<string, number> =>
  value === undefined ? {} : { [name]: Number(value) };
const corpus = await loadCorpus(values.corpus);
const sim = await startGuacdSimulator({
  ...(values["guacd-like"]
    ? guacdLikeOptions({
        ...number("maxSessions", values["max-sessions"]),
        ...number("throttleLagMs", values["throttle-lag"]),
        ...number("syncTimeoutMs", values["sync-timeout"]),
      })
    : {
        pace: values.pace,
        ...number("maxSessions", values["max-sessions"]),
        ...number("throttleLagMs", values["throttle-lag"]),
      }),
  corpus,
  host: values.host,
  port: Number(values.port),
  afterHandshakeFailure: values["close-on-failure"] ? "close" : "hold",
  ...(values["sync-timeout"] === undefined
    ? {}
    : { syncTimeoutMs: Number(values["sync-timeout"]) }),
  ...(values["handshake-timeout"] === undefined
    ? {}
    : { handshakeTimeoutMs: Number(values["handshake-timeout"]) }),
});
const mode = values["guacd-like"] ? "guacd-like" : `pace ${values.pace}`;
console.log(`guacd-sim listening on ${sim.address} (${mode}, corpus ${corpus.dir})`);

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
