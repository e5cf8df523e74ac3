// The guard's own tests run under Deno (it relays Deno sockets): guard_test.ts, by `deno test`.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");

it("the guard's deno tests pass", () => {
  const deno = join(root, "node_modules", ".bin", "deno");
  const result = spawnSync(
    deno,
    ["test", "--allow-net", "--reporter=tap", "examples/broker-deno/test/guard_test.ts"],
    { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
  );
  const output = result.stdout + result.stderr;
  expect(output).not.toMatch(/^not ok /m);
  expect(output.match(/^ok \d+ /gm)?.length, output).toBe(2);
  expect(result.status, output).toBe(0);
}, 120_000);
