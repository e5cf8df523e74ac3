// Checks that every export carries a doc comment; the examples themselves run under `deno test --doc`.
import { defineDocExampleSuite } from "@guacstream/doc-examples";

defineDocExampleSuite({
  dir: import.meta.dirname,
  // An entry point re-exports documented declarations under its module doc.
  skip: ["metrics.ts"],
});
