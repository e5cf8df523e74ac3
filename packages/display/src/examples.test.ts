// Every export carries a doc comment; its `@example` blocks run under `deno test --doc`.
import { defineDocExampleSuite } from "@guacstream/doc-examples";

defineDocExampleSuite({ dir: import.meta.dirname, skip: ["cli.ts"] });
