import { defineConfig } from "vitest/config";

// Tests run on the packages' TypeScript sources: the "@guacstream/source" export condition points
// each package name at its src/index.ts, so no build is needed first.
const sourceCondition = "@guacstream/source";
// Vite's own defaults, which an explicit list would otherwise replace.
const serverConditions = ["module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions: [sourceCondition, ...serverConditions] },
  ssr: { resolve: { conditions: [sourceCondition, ...serverConditions] } },
  test: {
    setupFiles: ["./vitest.setup.ts"],
    projects: [
      {
        extends: true,
        test: { name: "codec", include: ["packages/codec/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "display", include: ["packages/display/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "guacd-sim", include: ["packages/guacd-sim/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "recording", include: ["packages/recording/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "transport-node", include: ["packages/transport-node/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "bench", include: ["bench/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "test-support", include: ["packages/test-support/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "tunnel", include: ["packages/tunnel/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "tunnel-redis", include: ["packages/tunnel-redis/src/**/*.test.ts"] },
      },
      {
        extends: true,
        // Browser and load tests of the example brokers: one file at a time (2 cores).
        test: {
          name: "examples",
          include: ["examples/*/test/**/*.test.ts"],
          fileParallelism: false,
        },
      },
    ],
  },
});
