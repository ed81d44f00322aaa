// Smoke test of both models on the first 20,000 characters: a few dozen steps take the training
// loss below the entropy of the training text's character frequencies (counted here, apart from
// the example's code), sampling is a function of the seed and writes only the text's characters,
// and the checkpoint reloads into a model that computes and samples the same.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noGrad, variable } from "@strata/autograd";
import { tensor } from "@strata/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { expectOrtMatches } from "../../packages/onnx/test/ort.js";
import { readCorpus } from "./corpus.js";
import { CharTransformer, sequenceCrossEntropy } from "./models.js";
import { run, sampleCheckpoint, type CharLmOptions, type ModelKind, type SamplingOptions } from "./run.js";

const outDir = mkdtempSync(join(tmpdir(), "strata-char-lm-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const textLimit = 20_000;
const text = readCorpus().slice(0, textLimit);
const trainText = text.slice(0, Math.round(textLimit * 0.9));

/** H = -Σ p(c) ln p(c) over the training text's character frequencies, in nats. */
function unigramEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log(n / s.length);
  return h;
}

const sampling: SamplingOptions = { prompt: "Mr. ", length: 60, temperature: 0.9, seed: 5 };

function options(model: ModelKind): CharLmOptions {
  return {
    model, epochs: 3, batchSize: 16, maxLr: model === "lstm" ? 0.04 : 0.01, weightDecay: 0.01, windows: 256, seed: 1, textLimit,
    // 3 epochs of 16 batches: 48 steps
    sizes: model === "transformer"
      ? { contextLength: 16, dModel: 32, numHeads: 2, numLayers: 1, dimFeedforward: 64, dropout: 0 }
      : { contextLength: 16, embeddingDim: 16, hiddenSize: 48, numLayers: 2, dropout: 0 },
    sampling, outDir: join(outDir, model), verbose: false,
  };
}

describe("char-lm example", () => {
  it("computes the flattened cross-entropy of (N, T, V) logits against (N, T) targets", () => {
    const logits = [[[0, 1, 2], [1, 1, 1]], [[2, 0, 0], [0, 3, 0]]];
    const targets = [[2, 0], [0, 1]];
    const loss = sequenceCrossEntropy(variable(tensor(logits, { dtype: "float64" })), tensor(targets, { dtype: "int32" })).item();
    // -log softmax at each target, averaged over the N·T = 4 positions
    const nll = (row: number[], k: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[k]!;
    const expected = (nll([0, 1, 2], 2) + nll([1, 1, 1], 0) + nll([2, 0, 0], 0) + nll([0, 3, 0], 1)) / 4;
    expect(loss).toBeCloseTo(expected, 12);
    expect(() => sequenceCrossEntropy(variable(tensor(logits)), tensor([2, 0, 0, 1], { dtype: "int32" }))).toThrow("expected logits (N, T, V) and targets (N, T), got logits (2, 2, 3) and targets (4)");
  });

  for (const kind of ["transformer", "lstm"] as const) {
    it(`${kind}: trains below the unigram entropy, samples by seed, reloads and samples the same`, async () => {
      const result = await run(options(kind));
      const entropy = unigramEntropy(trainText);
      expect(entropy).toBeGreaterThan(2.9); // English letters and spaces: about 3.1 nats per character
      expect(result.history.loss.at(-1)!).toBeLessThan(entropy);
      expect(result.history.loss.at(-1)!).toBeLessThan(result.history.loss[0]!);
      expect(result.history.valLoss).toHaveLength(3);
      expect(result.samples).toHaveLength(3);

      // the vocabulary is the slice's sorted distinct characters, and samples use nothing else
      const chars = [...new Set(text)].sort();
      expect(result.vocabulary.chars).toEqual(chars);
      for (const s of [...result.samples, result.finalSample]) {
        expect(s).toHaveLength(sampling.length);
        for (const c of s) expect(chars).toContain(c);
      }

      // the checkpoint rebuilds the model with its vocabulary; same seed, same text; another seed, another
      const reloaded = sampleCheckpoint(result.checkpointPath, sampling);
      expect(reloaded.vocabulary.chars).toEqual(chars);
      expect(result.reloadedSample).toBe(result.finalSample);
      expect(reloaded.text).toBe(result.finalSample);
      expect(sampleCheckpoint(result.checkpointPath, sampling).text).toBe(reloaded.text);
      expect(sampleCheckpoint(result.checkpointPath, { ...sampling, seed: 6 }).text).not.toBe(reloaded.text);

      const ids = tensor(Int32Array.from(reloaded.vocabulary.encode(text.slice(100, 132))), { shape: [2, 16] });
      result.trained.eval();
      reloaded.model.eval();
      noGrad(() => expect(reloaded.model.forward(ids).data.equals(result.trained.forward(ids).data)).toBe(true));

      // the trained model exported to ONNX (int32 ids, a window of the traced length) runs in ONNX
      // Runtime on 3 real windows as in Strata, though traced on one
      const windows = tensor(Int32Array.from(reloaded.vocabulary.encode(text.slice(200, 248))), { shape: [3, 16] });
      const example = windows.slice([0, 1]).contiguous();
      await expectOrtMatches(result.trained, { inputShape: [1, 16], inputDtype: "int32", example }, [windows]);

      const svg = readFileSync(result.plotPath, "utf8");
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg).toContain("validation loss");
      expect(svg).toContain("unigram baseline");
    }, 180_000);
  }

  it("transformer: a position's logits do not depend on later characters (the causal mask)", async () => {
    const { trained } = await run({ ...options("transformer"), epochs: 1 });
    expect(trained).toBeInstanceOf(CharTransformer);
    trained.eval();
    const a = Int32Array.from(trained.vocabulary.encode(text.slice(200, 216)));
    const b = a.slice();
    b[10] = (b[10]! + 1) % trained.vocabulary.size;
    const logits = noGrad(() => trained.forward(tensor([...a, ...b], { shape: [2, 16], dtype: "int32" })).data);
    const v = trained.vocabulary.size;
    const before = (n: number) => logits.slice([n, n + 1], [0, 10]).reshape([10 * v]);
    const after = (n: number) => logits.slice([n, n + 1], [10, 16]).reshape([6 * v]);
    expect(before(0).allClose(before(1), { atol: 1e-6 })).toBe(true);
    expect(after(0).allClose(after(1), { atol: 1e-6 })).toBe(false);
  }, 180_000);
});
