// Runs each doc comment's `@example` as a test (what `deno test --doc` does), with the package
// names pointed at the sources, and checks that every export carries one.
import { defineDocExampleSuite } from "@guacstream/doc-examples";

defineDocExampleSuite({
  dir: import.meta.dirname,
  targets: { "@guacstream/tunnel": "index.ts" },
  // The replay store contract is shared verbatim with the Redis store: its type-only exports carry
  // doc comments, and (as the style guide allows for types) no example.
  typeOnly: ["replay-store.ts"],
});
