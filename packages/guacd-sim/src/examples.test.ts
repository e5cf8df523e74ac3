// Checks that every export of the package's sources carries a doc comment; the `@example`s in
// them run under `deno test --doc` (scripts/test.mjs).
import { defineDocExampleSuite } from "@guacstream/doc-examples";

defineDocExampleSuite({ dir: import.meta.dirname, skip: ["cli.ts"] });
