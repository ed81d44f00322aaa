// LayerNorm, MultiheadAttention and the Transformer encoder as layers: initial values (PyTorch's
// rules), MultiheadAttention against its definition written with scaledDotProductAttention, the
// rules for masks, dropout and fully masked queries, independent copies in TransformerEncoder,
// printing, summary, save/load, and the errors (naming the layer and the shapes).
import { describe, expect, it } from "vitest";
import { add, concat, layerNorm, matmul, scaledDotProductAttention, slice, transpose, type Variable } from "@strata/autograd";
import {
  LayerNorm, Linear, MultiheadAttention, Sequential, TransformerEncoder, TransformerEncoderLayer, loadFromBytes, saveToBytes, summary,
} from "@strata/nn";
import { DTypeError, ShapeError, ValueError, assign, ones, randn, rng, tensor, zeros, type Tensor } from "@strata/tensor";

const f64 = (shape: number[], seed: number): Tensor => randn(shape, { rng: rng(seed), dtype: "float64" });
const maxAbs = (t: Tensor): number => t.abs().max().item();

describe("LayerNorm", () => {
  it("is layerNorm with its weight and bias, over one or more trailing axes", () => {
    const ln = new LayerNorm([3, 4], { eps: 1e-3, dtype: "float64" });
    const x = f64([2, 3, 4], 2);
    const w = f64([3, 4], 3);
    ln.loadStateDict({ weight: w, bias: f64([3, 4], 4) });
    expect(ln.forward(x).data.equals(layerNorm(x, [3, 4], w, f64([3, 4], 4), { eps: 1e-3 }).data)).toBe(true);
    // by hand: mean 3, deviations [-2, -1, 0, 3], biased variance 14 / 4
    const y = new LayerNorm(4, { eps: 0, elementwiseAffine: false }).forward(tensor([[1, 2, 3, 6]])).data;
    expect(y.allClose(tensor([[-2, -1, 0, 3]]).div(Math.sqrt(3.5)), { rtol: 1e-6 })).toBe(true);
  });
  it("starts at weight 1 and bias 0, and has PyTorch's parameters for each option", () => {
    const ln = new LayerNorm([2, 3]);
    expect(ln.weight!.data.equals(ones([2, 3]))).toBe(true);
    expect(ln.bias!.data.equals(zeros([2, 3]))).toBe(true);
    expect(Object.keys(new LayerNorm(3, { bias: false }).stateDict())).toEqual(["weight"]);
    expect(Object.keys(new LayerNorm(3, { elementwiseAffine: false }).stateDict())).toEqual([]);
    expect(String(new LayerNorm([2, 3], { eps: 1e-6 }))).toBe("LayerNorm((2, 3), eps=1e-06, elementwiseAffine=true)");
  });
  it("says what is wrong", () => {
    expect(() => new LayerNorm(0)).toThrow(ValueError);
    expect(() => new LayerNorm(4, { eps: -1 })).toThrow(ValueError);
    const ln = new LayerNorm(4);
    expect(() => ln.forward(zeros([2, 3]))).toThrow("LayerNorm: expected input (…, 4) ending in the normalized shape (4,), got (2, 3)");
    expect(() => new Sequential(new LayerNorm(4), new LayerNorm(3)).forward(zeros([2, 4]))).toThrow("LayerNorm(layer 1): expected input (…, 3)");
    expect(() => ln.forward(zeros([2, 4], { dtype: "float64" }))).toThrow(DTypeError);
  });
});

describe("MultiheadAttention's parameters", () => {
  it("are PyTorch's: xavier-uniform in_proj_weight, zero biases, out_proj as Linear's with a zero bias", () => {
    const e = 64;
    const mha = new MultiheadAttention(e, 4, { rng: rng(0) });
    const xavier = Math.sqrt(6 / (e + 3 * e));
    expect(mha.in_proj_weight!.shape).toEqual([3 * e, e]);
    expect(maxAbs(mha.in_proj_weight!.data)).toBeLessThanOrEqual(xavier);
    expect(maxAbs(mha.in_proj_weight!.data)).toBeGreaterThan(0.99 * xavier);
    expect(maxAbs(mha.out_proj.weight.data)).toBeLessThanOrEqual(1 / Math.sqrt(e));
    expect(maxAbs(mha.out_proj.weight.data)).toBeGreaterThan(0.98 / Math.sqrt(e));
    expect(maxAbs(mha.in_proj_bias!.data) + maxAbs(mha.out_proj.bias!.data)).toBe(0);
    expect(Object.keys(mha.stateDict())).toEqual(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]);
  });
  it("are separate projections when kdim or vdim differ, and no biases without bias", () => {
    const mha = new MultiheadAttention(8, 2, { kdim: 3, vdim: 5, bias: false });
    expect(mha.namedParameters().map(([k, p]) => [k, p.shape])).toEqual([
      ["q_proj_weight", [8, 8]], ["k_proj_weight", [8, 3]], ["v_proj_weight", [8, 5]], ["out_proj.weight", [8, 8]],
    ]);
  });
});

/** MultiheadAttention by its definition: per-head sdpa over the projections, heads concatenated, out_proj. */
function byDefinition(mha: MultiheadAttention, q: Tensor, k: Tensor, v: Tensor, keep: Tensor | null): Tensor {
  const [e, h] = [mha.embedDim, mha.numHeads];
  const d = e / h;
  const proj = (x: Tensor, i: number): Variable => add(matmul(x, transpose(slice(mha.in_proj_weight!, [i * e, (i + 1) * e]))), slice(mha.in_proj_bias!, [i * e, (i + 1) * e]));
  const heads = [q, k, v].map((x, i) => proj(x, i)); // (N, len, E), batch first
  const outs: Variable[] = [];
  for (let head = 0; head < h; head++) {
    const [qh, kh, vh] = heads.map((x) => slice(x, null, null, [head * d, (head + 1) * d]));
    outs.push(scaledDotProductAttention(qh!, kh!, vh!, keep === null ? {} : { attnMask: keep }));
  }
  return mha.out_proj.forward(concat(outs, { axis: -1 })).data;
}

describe("MultiheadAttention", () => {
  const mha = new MultiheadAttention(6, 3, { batchFirst: true, dtype: "float64", rng: rng(1) });
  mha.loadStateDict({ ...mha.stateDict(), in_proj_bias: f64([18], 5), "out_proj.bias": f64([6], 6) });
  const [q, k, v] = [f64([2, 4, 6], 7), f64([2, 5, 6], 8), f64([2, 5, 6], 9)];

  it("is per-head scaled dot-product attention of its projections, every head in one product", () => {
    const [y] = mha.forward(q, k, v);
    expect(y.data.allClose(byDefinition(mha, q, k, v, null), { rtol: 1e-10 })).toBe(true);
  });
  it("masks out where a boolean mask is true (sdpa's keep is its negation), and isCausal is the causal mask", () => {
    const masked = tensor([[false, true, false, false, true], [false, false, true, false, false], [true, false, false, false, false], [false, false, false, true, false]]);
    const [y] = mha.forward(q, k, v, { attnMask: masked });
    expect(y.data.allClose(byDefinition(mha, q, k, v, masked.logicalNot()), { rtol: 1e-10 })).toBe(true);
    const causal = tensor([[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]);
    const [a, wa] = mha.forward(q, q, q, { isCausal: true });
    const [b, wb] = mha.forward(q, q, q, { attnMask: causal });
    expect(a.data.equals(b.data) && wa!.data.equals(wb!.data)).toBe(true);
  });
  it("gives a query that may attend to nothing zero weights and the output out_proj.bias", () => {
    const pad = tensor([[true, true, true, true, true], [false, false, false, false, true]]);
    const [y, w] = mha.forward(q, k, v, { keyPaddingMask: pad });
    expect(maxAbs(w!.data.slice([0, 1]))).toBe(0);
    expect(y.data.slice([0, 1]).allClose(mha.out_proj.bias!.data.reshape([1, 1, 6]).broadcastTo([1, 4, 6]))).toBe(true);
    expect(w!.data.slice([1, 2]).sum({ axis: -1 }).allClose(ones([1, 4], { dtype: "float64" }))).toBe(true);
  });
  it("drops attention weights in training only, from its rng", () => {
    const drop = () => new MultiheadAttention(6, 3, { batchFirst: true, dropout: 0.5, dtype: "float64", rng: rng(3) });
    const [a, b] = [drop(), drop()];
    const [, wa] = a.forward(q, k, v);
    const [, wb] = b.forward(q, k, v);
    expect(wa!.data.equals(wb!.data)).toBe(true);
    const rowSums = wa!.data.sum({ axis: -1 });
    expect(rowSums.allClose(ones(rowSums.shape, { dtype: "float64" }))).toBe(false); // dropped and rescaled
    const [, we] = a.eval().forward(q, k, v);
    expect(we!.data.sum({ axis: -1 }).allClose(ones(rowSums.shape, { dtype: "float64" }))).toBe(true);
  });
  it("takes sequence-first and unbatched inputs", () => {
    const seq = new MultiheadAttention(6, 3, { dtype: "float64" });
    seq.loadStateDict(mha.stateDict());
    const [y] = seq.forward(q.transpose([1, 0, 2]), k.transpose([1, 0, 2]), v.transpose([1, 0, 2]));
    expect(y.data.transpose([1, 0, 2]).allClose(mha.forward(q, k, v)[0].data, { rtol: 1e-12 })).toBe(true);
    const [yu, wu] = mha.forward(q.slice(0), k.slice(0), v.slice(0), { averageAttnWeights: false });
    expect(yu.data.allClose(mha.forward(q, k, v)[0].data.slice(0), { rtol: 1e-12 })).toBe(true);
    expect(wu!.shape).toEqual([3, 4, 5]);
  });
  it("says what is wrong, naming the layer and the shapes", () => {
    expect(() => new MultiheadAttention(10, 3)).toThrow("MultiheadAttention: embedDim (10) must be divisible by numHeads (3); each head takes embedDim / numHeads values");
    expect(() => mha.forward(zeros([2, 4, 5], { dtype: "float64" }), k, v)).toThrow("MultiheadAttention: expected (N, L, 6), (N, S, 6) and (N, S, 6), got query (2, 4, 5), key (2, 5, 6) and value (2, 5, 6); query has 5 features, the layer was built for embedDim 6");
    expect(() => mha.forward(q, k, f64([2, 3, 6], 1))).toThrow("key and value must have the same number of positions S");
    expect(() => mha.forward(q, f64([3, 5, 6], 1), f64([3, 5, 6], 2))).toThrow("query, key and value must have the same batch size N");
    expect(() => mha.forward(f64([6], 1), k, v)).toThrow(ShapeError);
    expect(() => mha.forward(q, k, v, { attnMask: zeros([5, 4], { dtype: "bool" }) })).toThrow("MultiheadAttention: expected attnMask (L, S) = (4, 5) or (N·numHeads, L, S) = (6, 4, 5), got (5, 4)");
    expect(() => mha.forward(q, k, v, { keyPaddingMask: zeros([2, 4], { dtype: "bool" }) })).toThrow("MultiheadAttention: expected keyPaddingMask (N, S) = (2, 5), got (2, 4)");
    expect(() => mha.forward(q, k, v, { attnMask: zeros([4, 5]) })).toThrow(DTypeError);
    expect(() => mha.forward(q.cast("float32"), k, v)).toThrow(DTypeError);
  });
});

describe("TransformerEncoderLayer and TransformerEncoder", () => {
  const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, rng: rng(4) });
  it("copies the layer numLayers times, independently (as PyTorch's deep copy)", () => {
    const encoder = new TransformerEncoder(layer, 3);
    const [a, b] = [encoder.layers[0] as TransformerEncoderLayer, encoder.layers[1] as TransformerEncoderLayer];
    expect(a).not.toBe(layer);
    expect(a.linear1.weight.data.equals(layer.linear1.weight.data) && b.linear1.weight.data.equals(layer.linear1.weight.data)).toBe(true);
    assign(a.linear1.weight.data, 0);
    expect(maxAbs(b.linear1.weight.data)).toBeGreaterThan(0);
    expect(maxAbs(layer.linear1.weight.data)).toBeGreaterThan(0);
    assign(a.linear1.weight.data, layer.linear1.weight.data);
    expect(encoder.parameters().length).toBe(3 * layer.parameters().length);
    const x = f64([5, 2, 8], 10).cast("float32");
    const once = layer.forward(x);
    expect(encoder.layers[2]!.forward(encoder.layers[1]!.forward(encoder.layers[0]!.forward(x))).data.allClose(encoder.forward(x).data)).toBe(true);
    expect(encoder.layers[0]!.forward(x).data.allClose(once.data)).toBe(true);
  });
  it("copies an encoder layer that holds child layers of its own without sharing them", () => {
    // a registered container as the encoder layer: its config lists its children, so a rebuild
    // from that config alone would hand every copy the same Linear
    const block = new Sequential(new Linear(4, 4, { rng: rng(7) }));
    const encoder = new TransformerEncoder(block, 2);
    const [a, b] = [encoder.layers[0] as Sequential, encoder.layers[1] as Sequential];
    expect(a.layers[0]).not.toBe(b.layers[0]);
    expect(a.layers[0]).not.toBe(block.layers[0]);
    assign((a.layers[0] as Linear).weight.data, 0);
    expect(maxAbs((b.layers[0] as Linear).weight.data)).toBeGreaterThan(0);
    expect(maxAbs((block.layers[0] as Linear).weight.data)).toBeGreaterThan(0);
  });
  it("takes an unbatched (S, E) input as one sequence, and batchFirst as the transpose", () => {
    const x = f64([5, 8], 12).cast("float32");
    const batched = layer.forward(x.reshape([5, 1, 8])).data.reshape([5, 8]);
    expect(layer.forward(x).data.allClose(batched, { rtol: 1e-5, atol: 1e-6 })).toBe(true);
    const first = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
    first.loadStateDict(layer.stateDict());
    const xs = f64([5, 3, 8], 13).cast("float32");
    expect(first.forward(xs.transpose([1, 0, 2])).data.transpose([1, 0, 2]).allClose(layer.forward(xs).data, { rtol: 1e-5, atol: 1e-6 })).toBe(true);
  });
  it("prints as PyTorch's print(model), in the camelCase convention", () => {
    const encoder = new TransformerEncoder(new TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 1, { norm: new LayerNorm(4) });
    expect(String(encoder).split("\n")).toEqual([
      "TransformerEncoder(",
      "  (layers): ModuleList(",
      "    (0): TransformerEncoderLayer(",
      "      (self_attn): MultiheadAttention(",
      "        (out_proj): Linear(inFeatures=4, outFeatures=4, bias=true)",
      "      )",
      "      (linear1): Linear(inFeatures=4, outFeatures=8, bias=true)",
      "      (dropout): Dropout(p=0.1)",
      "      (linear2): Linear(inFeatures=8, outFeatures=4, bias=true)",
      "      (norm1): LayerNorm((4,), eps=1e-05, elementwiseAffine=true)",
      "      (norm2): LayerNorm((4,), eps=1e-05, elementwiseAffine=true)",
      "      (dropout1): Dropout(p=0.1)",
      "      (dropout2): Dropout(p=0.1)",
      "    )",
      "  )",
      "  (norm): LayerNorm((4,), eps=1e-05, elementwiseAffine=true)",
      ")",
    ]);
  });
  it("saves and loads (architecture and weights), and has a summary", () => {
    const encoder = new TransformerEncoder(new TransformerEncoderLayer(8, 4, { dimFeedforward: 12, batchFirst: true, activation: "gelu", normFirst: true, rng: rng(5) }), 2, { norm: new LayerNorm(8) });
    const mha = new MultiheadAttention(8, 2, { kdim: 3, vdim: 5, rng: rng(6) });
    for (const model of [encoder, mha]) {
      const copy = loadFromBytes(saveToBytes(model)).model;
      expect(copy.constructor).toBe(model.constructor);
      expect(String(copy)).toBe(String(model));
      expect(Object.keys(copy.stateDict())).toEqual(Object.keys(model.stateDict()));
    }
    const copy = loadFromBytes(saveToBytes(encoder)).model as TransformerEncoder;
    const x = f64([2, 5, 8], 11).cast("float32");
    expect(copy.eval().forward(x).data.equals(encoder.eval().forward(x).data)).toBe(true);
    const table = summary(encoder, [2, 5, 8]);
    expect(table).toContain("layers.1.self_attn");
    expect(table).toContain("(2, 5, 8)");
  });
  it("says what is wrong", () => {
    expect(() => new TransformerEncoderLayer(8, 3)).toThrow(ValueError);
    expect(() => new TransformerEncoderLayer(8, 2, { activation: "tanh" as never })).toThrow('TransformerEncoderLayer: activation must be "relu" or "gelu"');
    expect(() => new TransformerEncoder(layer, 0)).toThrow(ValueError);
    expect(() => layer.forward(zeros([5, 2, 6]))).toThrow("MultiheadAttention: expected (L, N, 8)");
    expect(() => layer.forward(zeros([5, 2, 8]), { srcMask: zeros([4, 4], { dtype: "bool" }) })).toThrow("expected attnMask (L, S) = (5, 5)");
  });
});
