import { defineConfig } from "vitest/config";

// Under CI the JSON results are kept too, so that .ci/run can print "N passed, N failed".
const ci = Boolean(process.env.CI);

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/**/*.test.ts", "test/**/*.test.ts", "bench/test/**/*.test.ts"],
    setupFiles: ["./packages/tensor/test/setup.ts"],
    // Margins for a loaded 2-core machine: the slowest test takes about 25 s on a quiet one (the
    // consumer test, which sets its own), hooks start workers and compile, and two busy processes
    // beside the run make everything about three times slower.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: ci ? ["default", "json"] : ["default"],
    outputFile: ci ? { json: ".ci/results/vitest.json" } : {},
  },
});
