/**
 * Runs one bench case over and over for a CPU profile of it alone:
 *   node --cpu-prof --cpu-prof-dir=bench/results/prof --import tsx \
 *     --conditions=@guacstream/source bench/src/codec/profile.ts <case-id> <input-substring> [seconds]
 * then `tsx bench/src/harness/profile-summary.ts bench/results/prof/*.cpuprofile`.
 */

import { listCorpusFiles, loadCorpusInput, makeInput } from "../harness/corpus.ts";
import { decodeReference } from "./agreement.ts";
import { codecCases, needsDecodedInput } from "./cases/index.ts";
import { clientSideStream } from "./synthetic.ts";
import { commonJsParser, liteParser } from "./upstream.ts";

const [caseId = "decoder-core", inputName = "vnc-desktop.s2c", secondsArg = "5"] =
  process.argv.slice(2);
const input = inputName.startsWith("synthetic")
  ? makeInput("synthetic:client-small-instructions", clientSideStream().bytes, true)
  : (() => {
      const name = listCorpusFiles().find((n) => n.includes(inputName));
      if (name === undefined)
        throw new Error(`Cannot profile: no corpus file matches ${inputName}`);
      return loadCorpusInput(name);
    })();
const reference = {
  instructions: needsDecodedInput(caseId) ? decodeReference(input).instructions : [],
};
const ctx = { lite: liteParser(), commonJs: commonJsParser() };
const bench = codecCases(input, reference.instructions, input.bytes.length, ctx).find(
  (c) => c.id === caseId,
);
if (bench === undefined) throw new Error(`Cannot profile: no case ${caseId}`);
const until = performance.now() + Number(secondsArg) * 1000;
let runs = 0;
while (performance.now() < until) {
  const result = bench.run();
  if (result instanceof Promise) await result;
  runs++;
}
const seconds = Number(secondsArg);
console.log(
  `${caseId} on ${input.name}: ${runs} runs in ${seconds} s, ` +
    `${((runs * input.bytes.length) / 1e6 / seconds).toFixed(1)} MB/s`,
);
