// Embedding against PyTorch 1.13 (fixtures from scripts/embedding_reference.py): a PyTorch state
// dict loads unchanged and gives PyTorch's output and weight gradient (float64, 1e-6 relative),
// the printed form matches print(module); and the layer's initialisation, registry entry
// (architecture, save/load, summary), fromPretrained and errors.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gradients, mul, sum } from "@strata/autograd";
import { Embedding, Linear, Sequential, architectureOf, loadFromBytes, modelFromArchitecture, saveToBytes, summary } from "@strata/nn";
import { DTypeError, ValueError, rng, tensor, type Tensor } from "@strata/tensor";
import { camelCase } from "./layer-references.js";

type Nested = number | Nested[];
interface Case {
  name: string; numEmbeddings: number; embeddingDim: number; paddingIdx: number | null; storedPaddingIdx: number | null;
  state: Record<string, Nested>; ids: Nested; r: Nested; y: Nested; gradWeight: Nested;
}
const reference = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "embedding-reference.json"), "utf8")) as {
  cases: Case[]; printed: Record<string, string>; pretrainedRequiresGrad: boolean;
};
const f64 = (v: Nested): Tensor => tensor(v as never, { dtype: "float64" });
const int = (v: Nested): Tensor => tensor(v as never, { dtype: "int32" });
const close = { rtol: 1e-6, atol: 1e-9 };

describe("Embedding against PyTorch 1.13", () => {
  for (const c of reference.cases) {
    it(`${c.name}: the state dict loads; output and weight gradient match`, () => {
      const layer = new Embedding(c.numEmbeddings, c.embeddingDim, { paddingIdx: c.paddingIdx, dtype: "float64" });
      expect(layer.paddingIdx).toBe(c.storedPaddingIdx);
      expect(Object.keys(layer.stateDict())).toEqual(Object.keys(c.state));
      layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, f64(v)])));
      const y = layer.forward(int(c.ids));
      expect(y.data).toAllClose(f64(c.y), close);
      const [gw] = gradients([sum(mul(y, f64(c.r)))], [layer.weight]);
      expect(gw!.data).toAllClose(f64(c.gradWeight), close);
    });
  }

  const built: Record<string, Embedding> = {
    paddingIdx0: new Embedding(65, 32, { paddingIdx: 0 }),
    plain: new Embedding(10, 4),
    negativePadding: new Embedding(10, 4, { paddingIdx: -2 }),
    pretrained: Embedding.fromPretrained(tensor([[1, 2], [3, 4]]), { paddingIdx: 1 }),
  };
  for (const [name, text] of Object.entries(reference.printed)) {
    it(`prints as PyTorch: ${name}`, () => expect(String(built[name])).toBe(camelCase(text)));
  }
  it("fromPretrained is frozen by default, as PyTorch's", () => {
    expect(built.pretrained!.weight.requiresGrad).toBe(reference.pretrainedRequiresGrad);
  });
});

describe("Embedding", () => {
  it("starts N(0, 1) with the padding row zero (a 2000 × 50 table: mean within 0.01, std within 0.01 of 1)", () => {
    const layer = new Embedding(2000, 50, { paddingIdx: 7, rng: rng(1) });
    const w = layer.weight.data;
    expect(w.slice(7).toArray()).toEqual(new Array(50).fill(0));
    const values = Array.from(w.toTypedArray() as Float32Array);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    expect(w.dtype).toBe("float32");
  });

  it("fromPretrained shares the weights, keeps the padding row as given, trains when freeze is false", () => {
    const weights = tensor([[1, 2], [3, 4], [5, 6]], { dtype: "float64" });
    const frozen = Embedding.fromPretrained(weights, { paddingIdx: 0 });
    expect(frozen.weight.data).toBe(weights);
    expect(frozen.parameters()).toHaveLength(1);
    expect(frozen.forward(int([0, 2])).toArray()).toEqual([[1, 2], [5, 6]]);
    const trained = Embedding.fromPretrained(weights, { freeze: false, paddingIdx: 0 });
    sum(trained.forward(int([0, 2, 2]))).backward();
    expect(trained.weight.grad!.toArray()).toEqual([[0, 0], [0, 0], [2, 2]]);
  });

  it("is in the layer registry: architecture, save and load, summary", () => {
    const model = new Sequential(new Embedding(11, 4, { paddingIdx: 3, rng: rng(2) }), new Linear(4, 2, { rng: rng(3) }));
    const arch = architectureOf(model);
    expect(JSON.stringify(arch)).toContain('"type":"Embedding","numEmbeddings":11,"embeddingDim":4,"paddingIdx":3,"dtype":"float32"');
    const rebuilt = modelFromArchitecture(arch) as Sequential;
    expect(String(rebuilt)).toBe(String(model));
    const { model: loaded } = loadFromBytes(saveToBytes(model));
    const ids = int([[3, 10, 0]]);
    expect((loaded as Sequential).forward(ids).data).toAllClose(model.forward(ids).data);
    // ids are int32: summary runs the model on zeros of the dtype it is given
    const table = summary(model, [1, 3], { dtype: "int32" });
    expect(table).toMatch(/Embedding.*\(1, 3, 4\).*44/);
    expect(table).toContain("total: 54 parameters");
  });

  it("errors name the layer and its position", () => {
    const model = new Sequential(new Linear(2, 2), new Embedding(5, 3));
    const layer = model.children()[1]! as Embedding;
    expect(() => layer.forward(int([[1, 9]]))).toThrow(ValueError);
    expect(() => layer.forward(int([[1, 9]]))).toThrow("Embedding(layer 1): id 9 at position [0, 1] of ids (1,2) is out of range for 5 embeddings; expected 0 <= id < 5");
    expect(() => layer.forward(tensor([1, 2]))).toThrow(DTypeError);
    expect(() => layer.forward(tensor([1, 2]))).toThrow(/^Embedding\(layer 1\): ids must be int32, got float32/);
    expect(() => new Embedding(5, 3, { paddingIdx: 5 })).toThrow("Embedding: paddingIdx must be an integer in [-5, 5) for 5 embeddings, got 5");
    expect(() => new Embedding(0, 3)).toThrow(ValueError);
    expect(() => new Embedding(5, 3, { dtype: "int32" })).toThrow(DTypeError);
    expect(() => Embedding.fromPretrained(tensor([1, 2]))).toThrow(/expected weights \(numEmbeddings, embeddingDim\), got \(2\)/);
  });
});
