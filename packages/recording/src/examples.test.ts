// Runs every `@example` in the package's doc comments (as `deno test --doc` would), with the package
// imports pointed at the sources, and checks that every export carries one.
import { defineDocExampleSuite } from "@guacstream/doc-examples";

defineDocExampleSuite({
  dir: import.meta.dirname,
  targets: { "@guacstream/recording": "index.ts" },
  skip: ["cli.ts"],
  typeOnly: ["_key-names.ts"],
});
