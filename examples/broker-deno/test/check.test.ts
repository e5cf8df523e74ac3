// The Deno broker type-checks under Deno's own lib (deno run does not check); its behaviour is
// covered by the browser tests in examples/broker-node/test, which start it as users do.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");

it("the Deno broker type-checks", () => {
  const deno = join(root, "node_modules", ".bin", "deno");
  const result = spawnSync(deno, ["check", "examples/broker-deno/main.ts"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  expect(result.stderr + result.stdout).not.toContain("error");
  expect(result.status).toBe(0);
}, 120_000);
