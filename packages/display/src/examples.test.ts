// Checks that every export carries a doc comment (its `@example` blocks run under
// `deno test --doc`), with the package name pointed at the sources.
import { defineDocExampleSuite } from "@guacstream/doc-examples";

defineDocExampleSuite({
  dir: import.meta.dirname,
  targets: { "@guacstream/display": "index.ts" },
  skip: ["cli.ts"],
  // Option and frame types: doc comments, and (as the style guide allows for types) no example.
  typeOnly: [
    "display-error-code.ts",
    "display-stream-options.ts",
    "headless-display-options.ts",
    "waits/wait-options.ts",
    "image/rgba-image.ts",
  ],
});
