import { defineConfig } from "vitest/config";

// Under CI the JSON results are kept too, so that .ci/run can print "N passed, N failed".
const ci = Boolean(process.env.CI);

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/**/*.test.ts", "bench/test/**/*.test.ts", "test/**/*.test.ts"],
    setupFiles: ["./packages/tensor/test/setup.ts"],
    testTimeout: 60_000,
    reporters: ci ? ["default", "json"] : ["default"],
    outputFile: ci ? { json: ".ci/results/vitest.json" } : {},
  },
});
