// Checks that every export carries a doc comment; the examples themselves run under `deno test --doc`.
import { defineDocExampleSuite } from "@guacstream/doc-examples";

defineDocExampleSuite({
  dir: import.meta.dirname,
  // An entry point re-exports documented declarations under its module doc.
  skip: ["metrics.ts"],
  targets: { "@guacstream/tunnel": "index.ts", "@guacstream/tunnel/metrics": "metrics.ts" },
  // The replay store contract is shared verbatim with the Redis store: its type-only exports carry
  // doc comments, and (as the style guide allows for types) no example.
  typeOnly: ["broker/replay-store.ts"],
});
