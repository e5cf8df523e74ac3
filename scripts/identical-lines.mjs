// Counts the code lines two files share: each non-blank line of the first, comments and lines of
// only brackets and punctuation left out, matched at most once against the second's. Used to keep
// the Node and Deno transports' connect.ts thin over their shared core:
//   node scripts/identical-lines.mjs packages/transport-node/src/connect.ts \
//     packages/transport-deno/src/connect.ts
// SHOW=1 prints the shared lines.
import { readFileSync } from "node:fs";

/** The file's code lines, trimmed, without comments or punctuation-only lines. */
function codeLines(file) {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  return text
    .split("\n")
    .map((line) => line.replace(/(^|\s)\/\/.*$/, "").trim())
    .filter((line) => line !== "" && !/^[{}()[\];,]+$/.test(line));
}

const [first, second] = process.argv.slice(2);
if (first === undefined || second === undefined) {
  console.error("usage: node scripts/identical-lines.mjs <file> <file>");
  process.exit(2);
}
const a = codeLines(first);
const b = codeLines(second);
const left = new Map();
for (const line of b) left.set(line, (left.get(line) ?? 0) + 1);
const shared = [];
for (const line of a) {
  const n = left.get(line) ?? 0;
  if (n > 0) {
    left.set(line, n - 1);
    shared.push(line);
  }
}
console.log(`${a.length} and ${b.length} code lines, ${shared.length} identical`);
if (process.env.SHOW) console.log(shared.join("\n"));
