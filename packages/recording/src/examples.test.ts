// Checks that every export carries a doc comment; the examples themselves run under `deno test --doc`.
import { defineDocExampleSuite } from "@guacstream/doc-examples";

defineDocExampleSuite({
  dir: import.meta.dirname,
  skip: ["cli.ts"],
});
