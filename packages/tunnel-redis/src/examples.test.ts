// Runs each doc comment's `@example` as a test (what `deno test --doc` does), with the package
// names pointed at the sources, and checks that every export carries one.
import { defineDocExampleSuite } from "@guacstream/doc-examples";

defineDocExampleSuite({
  dir: import.meta.dirname,
  targets: {
    "@guacstream/tunnel-redis/testing": "testing.ts",
    "@guacstream/tunnel-redis": "index.ts",
  },
});
