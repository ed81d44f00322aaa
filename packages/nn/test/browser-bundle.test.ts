// The packages as a browser bundler sees them: esbuild with platform "browser" (the "browser"
// condition, no Node built-ins, no polyfills) must bundle @strata/nn, @strata/autograd and
// @strata/optim, @strata/tensor included, with nothing of Node left in them: no node: module, no
// cli-progress, and the web platform in place of the Node one; and the bundle must run in a
// context that has no Node globals at all.
import { join } from "node:path";
import vm from "node:vm";
import { build, type BuildFailure, type Message } from "esbuild";
import { describe, expect, it } from "vitest";
import { binaryCrossEntropy, deepNetwork, fit } from "@strata/nn";
import { SGD } from "@strata/optim";
import { rng, tensor } from "@strata/tensor";

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
  for (const entry of ["packages/nn/src/index.ts", "packages/autograd/src/index.ts", "packages/optim/src/index.ts"]) {
    it(`of ${entry} builds, @strata/tensor included, with nothing of Node in it`, async () => {
      const { text, imports, errors } = await bundle(entry, []);
      expect(where(errors)).toBe("");
      expect(text.length).toBeGreaterThan(10_000);
      expect(imports).toEqual([]);
      expect(text).not.toMatch(/["']node:/);
      expect(text).not.toContain("cli-progress");
      expect(text).not.toMatch(/\bprocess\.(stdout|pid|kill)\b/);
    });
  }

  it("of @strata/nn takes the web platform: the path functions refuse, and the Node file code is absent", async () => {
    const { text } = await bundle("packages/nn/src/index.ts", []);
    expect(text).toContain("writing to a file path needs Node; in a browser use saveToBytes(model, { optimizer })");
    expect(text).not.toContain("could not write");
    expect(text).not.toContain("is a FIFO");
  });

  it("runs where there is no process, Buffer or require: trains with onProgress, saves to bytes and loads back, refuses a path", async () => {
    const program = `
      import { binaryCrossEntropy, deepNetwork, fit, loadFromBytes, save, saveToBytes } from "@strata/nn";
      import { SGD } from "@strata/optim";
      import { rng, tensor } from "@strata/tensor";
      const x = tensor([[0, 1, 2, 3, 4, 5, 6, 7], [1, 0, 1, 0, 1, 0, 1, 0]], { dtype: "float64" });
      const y = tensor([[0, 0, 0, 0, 1, 1, 1, 1]], { dtype: "float64" });
      const train = (verbose) => {
        const model = deepNetwork([2, 3, 1], { rng: rng(0), dtype: "float64" });
        const seen = [];
        const h = fit(model, { x, y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.5 }), epochs: 3, batchSize: 3, rng: rng(1), verbose, onProgress: (p) => seen.push([p.epoch, p.batch, p.seen, p.loss]) });
        return { model, losses: h.loss, seen };
      };
      const quiet = train("auto");
      const printed = train(true);
      const back = loadFromBytes(saveToBytes(quiet.model, {})).model;
      let refused = "";
      try { save(quiet.model, "m.safetensors"); } catch (e) { refused = e.message; }
      globalThis.result = { losses: quiet.losses, printedLosses: printed.losses, seen: quiet.seen, same: back.forward(x).data.toArray().join() === quiet.model.forward(x).data.toArray().join(), refused };
    `;
    const result = await build({ stdin: { contents: program, resolveDir: import.meta.dirname, loader: "js" }, bundle: true, platform: "browser", format: "iife", write: false, logLevel: "silent" });
    const logs: string[] = [];
    // what a page's script sees of its host besides JavaScript itself: a console and text codecs
    const page: Record<string, unknown> = { console: { log: (...a: unknown[]) => logs.push(a.join(" ")), warn() {}, error() {} }, TextEncoder, TextDecoder, atob, btoa, setTimeout, clearTimeout, queueMicrotask };
    page.globalThis = page;
    vm.createContext(page);
    vm.runInContext(result.outputFiles[0]!.text, page);
    expect(vm.runInContext("[typeof process, typeof Buffer, typeof require]", page)).toEqual(["undefined", "undefined", "undefined"]);
    const got = page.result as { losses: number[]; printedLosses: number[]; seen: [number, number, number, number][]; same: boolean; refused: string };

    // the same training in Node, in this process
    const x = tensor([[0, 1, 2, 3, 4, 5, 6, 7], [1, 0, 1, 0, 1, 0, 1, 0]], { dtype: "float64" });
    const y = tensor([[0, 0, 0, 0, 1, 1, 1, 1]], { dtype: "float64" });
    const model = deepNetwork([2, 3, 1], { rng: rng(0), dtype: "float64" });
    const node = fit(model, { x, y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.5 }), epochs: 3, batchSize: 3, rng: rng(1), verbose: false });
    got.losses.forEach((l, i) => expect(Math.abs(l - node.loss[i]!)).toBeLessThanOrEqual(1e-12 * Math.abs(node.loss[i]!)));
    expect(got.printedLosses).toEqual(got.losses);
    // ⌈8 / 3⌉ = 3 batches of 3, 3 and 2 examples per epoch; the last running loss is the epoch's
    expect(got.seen.map(([e, b, n]) => `${e}.${b}:${n}`)).toEqual(["1.1:3", "1.2:6", "1.3:8", "2.1:3", "2.2:6", "2.3:8", "3.1:3", "3.2:6", "3.3:8"]);
    [2, 5, 8].forEach((k, e) => expect(got.seen[k]![3]).toBe(got.losses[e]));
    expect(got.same).toBe(true);
    expect(got.refused).toBe('save: writing to a file path needs Node; in a browser use saveToBytes(model, { optimizer }) and store the bytes yourself (IndexedDB, a download) (path "m.safetensors")');
    // "auto" printed nothing; verbose: true one console line per epoch
    expect(logs.length).toBe(3);
    logs.forEach((line, i) => expect(line).toMatch(new RegExp(`^epoch ${i + 1}/3  loss \\d+\\.\\d{4}  \\d+ ex/s  \\d+\\.\\ds$`)));
  });
});
