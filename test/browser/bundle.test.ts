// (a) Each of the four packages bundles for a page with esbuild's browser platform and no stand-ins
// for Node's modules, and the bundle names no Node module: a `node:` import or a `require(` left
// in the output would fail in a page (or need a polyfill the user did not ask for).
import { describe, expect, it } from "vitest";
import { bundle, repoRoot } from "./harness.js";

const PACKAGES = ["tensor", "autograd", "nn", "optim"];

describe("bundling the packages for a browser", () => {
  for (const name of PACKAGES) {
    it(`@strata/${name} bundles with platform "browser" and reaches no Node module`, async () => {
      const code = await bundle(`${name}-entry.ts`, { contents: `export * from "@strata/${name}";`, resolveDir: repoRoot });
      expect(code.length).toBeGreaterThan(1000);
      expect(code.match(/["']node:[a-z_/]+["']/g) ?? []).toEqual([]);
      expect(code.match(/\brequire\(/g) ?? []).toEqual([]);
    }, 120_000);
  }

  it("the check above catches a Node import when there is one", async () => {
    // the same build on a module that reaches node:os must fail, so a passing build means something
    await expect(bundle("node-entry.ts", { contents: `import { cpus } from "node:os"; console.log(cpus());`, resolveDir: repoRoot }))
      .rejects.toThrow(/Could not resolve "node:os"/);
  });
});
