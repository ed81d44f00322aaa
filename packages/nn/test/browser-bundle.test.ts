// The packages as a browser bundler sees them: esbuild with platform "browser" (the "browser"
// condition, no Node built-ins, no polyfills) must bundle @strata/nn, @strata/autograd and
// @strata/optim with nothing of Node left in them: no node: module, no cli-progress, and the web
// platform in place of the Node one.
import { join } from "node:path";
import { build, type BuildFailure, type Message } from "esbuild";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");

interface Bundle {
  /** The code, without comments (doc examples in comments may name anything). */
  text: string;
  /** Every module the bundle still imports: what the bundler left to the page. */
  imports: string[];
  errors: Message[];
}

async function bundle(entry: string, external: string[]): Promise<Bundle> {
  try {
    const result = await build({
      entryPoints: [join(root, entry)], absWorkingDir: root, bundle: true, platform: "browser", format: "esm", write: false, logLevel: "silent",
      external, metafile: true, minifyWhitespace: true,
    });
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    return { text: result.outputFiles.map((f) => f.text).join("\n"), imports: [...new Set(imports)].sort(), errors: result.errors };
  } catch (e) {
    return { text: "", imports: [], errors: (e as BuildFailure).errors };
  }
}

const where = (errors: Message[]): string => errors.map((e) => `${e.location?.file}: ${e.text}`).join("\n");

describe("a browser bundle (esbuild, platform browser, no polyfills)", () => {
  // @strata/tensor is made portable separately; until then it is left to the page here
  for (const entry of ["packages/nn/src/index.ts", "packages/autograd/src/index.ts", "packages/optim/src/index.ts"]) {
    it(`of ${entry} builds with nothing of Node in it`, async () => {
      const { text, imports, errors } = await bundle(entry, ["@strata/tensor"]);
      expect(where(errors)).toBe("");
      expect(text.length).toBeGreaterThan(10_000);
      expect(imports).toEqual(["@strata/tensor"]);
      expect(text).not.toMatch(/["']node:/);
      expect(text).not.toContain("cli-progress");
      expect(text).not.toMatch(/\bprocess\.(stdout|pid|kill)\b/);
    });
  }

  it("of @strata/nn takes the web platform: the path functions refuse, and the Node file code is absent", async () => {
    const { text } = await bundle("packages/nn/src/index.ts", ["@strata/tensor"]);
    expect(text).toContain("writing to a file path needs Node; in a browser use saveToBytes(model, { optimizer })");
    expect(text).not.toContain("could not write");
    expect(text).not.toContain("is a FIFO");
  });

  it("of the four packages together fails, if at all, only inside @strata/tensor", async () => {
    const { text, imports, errors } = await bundle("packages/nn/src/index.ts", []);
    expect(errors.filter((e) => !e.location?.file.startsWith("packages/tensor/")).map((e) => `${e.location?.file}: ${e.text}`)).toEqual([]);
    if (errors.length === 0) {
      expect(imports).toEqual([]);
      expect(text).not.toMatch(/["']node:/);
      expect(text).not.toContain("cli-progress");
    }
  });
});
