import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/**/*.test.ts"],
    setupFiles: ["./packages/tensor/test/setup.ts"],
    testTimeout: 60_000,
  },
});
