#!/usr/bin/env node
// guacd-sim: `tsx packages/guacd-sim/src/cli.ts --port 4822 --pace realtime`

import { parseCli, USAGE } from "./_cli-options.ts";
import { loadCorpus, startGuacdSimulator } from "./node.ts";

const command = parseCli(process.argv.slice(2));
if (command.kind === "help") {
  console.log(USAGE);
  process.exit(0);
}
if (command.kind === "usage-error") {
  console.error(`guacd-sim: ${command.message}\n${USAGE}`);
  process.exit(2);
}

const corpus = await loadCorpus(command.corpusDir);
const sim = await startGuacdSimulator({ ...command.options, corpus });
console.log(`guacd-sim listening on ${sim.address} (${command.mode}, corpus ${corpus.dir})`);

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
