// Batch and layer normalisation exported and run in ONNX Runtime, in float32 and float64, at a
// batch size other than the exported one. The batch norms are exported after training steps
// that moved their running statistics away from 0 and 1, and with weights that are not ones
// and zeros, so that a graph reading the wrong statistic or parameter would not match.
import { noGrad } from "@strata/autograd";
import { BatchNorm1d, BatchNorm2d, LayerNorm, Linear, Sequential, type Module } from "@strata/nn";
import { add, assign, mul, randn, rng, type DType } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { nodesOf, onlyNode, opTypesOf } from "./graph-nodes.js";
import { expectOrtMatches } from "./ort.js";

const DTYPES = ["float32", "float64"] as const;

/** Noise of mean 2 and standard deviation 3, so that batch statistics are far from 0 and 1. */
const shifted = (shape: number[], seed: number, dtype: DType) => add(mul(randn(shape, { rng: rng(seed), dtype }), 3), 2);

/** Every parameter of `model` set to noise, as training would leave them. */
function randomizeParameters(model: Module, seed: number): void {
  model.parameters().forEach((p, k) => assign(p.data, add(mul(randn(p.shape, { rng: rng(seed + k), dtype: p.dtype }), 0.5), 1)));
}

/** Three training-mode forwards on shifted batches: the running statistics move. */
function train(model: Module, shape: number[], dtype: DType): void {
  model.train();
  noGrad(() => [1, 2, 3].forEach((seed) => model.forward(shifted(shape, seed, dtype))));
}

async function exportsAndMatches(model: Module, shape: number[], dtype: DType): Promise<Uint8Array> {
  const x = shifted([3, ...shape.slice(1)], 11, dtype);
  const { bytes } = await expectOrtMatches(model, { inputShape: shape, inputDtype: dtype as "float32" }, [x]);
  return bytes;
}

describe.each(DTYPES)("batch norm in %s", (dtype) => {
  it.each([
    ["BatchNorm1d on (N, C)", () => new BatchNorm1d(4, { dtype }), [2, 4]],
    ["BatchNorm1d on (N, C, L)", () => new BatchNorm1d(3, { dtype }), [2, 3, 5]],
    ["BatchNorm2d", () => new BatchNorm2d(3, { dtype }), [2, 3, 4, 5]],
    ["BatchNorm2d, eps 1e-3 and momentum null (a cumulative average)", () => new BatchNorm2d(2, { dtype, eps: 1e-3, momentum: null }), [2, 2, 3, 3]],
    ["BatchNorm2d, affine false", () => new BatchNorm2d(3, { dtype, affine: false }), [2, 3, 4, 4]],
  ] as const)("%s, in eval after training steps, exported from training mode", async (_, make, shape) => {
    const bn = make();
    randomizeParameters(bn, 5);
    train(bn, [4, ...shape.slice(1)], dtype);
    // the steps moved the statistics from 0 and 1 towards the batches' (mean 2, variance 9)
    expect(Math.min(...bn.getBuffer("running_mean")!.toTypedArray())).toBeGreaterThan(0.2);
    expect(Math.min(...bn.getBuffer("running_var")!.toTypedArray())).toBeGreaterThan(1.5);
    const before = bn.stateDict();
    const bytes = await exportsAndMatches(bn, [...shape], dtype);
    // the export neither changed the statistics nor left the layer in evaluation
    expect(bn.training).toBe(true);
    for (const [key, value] of Object.entries(bn.stateDict())) expect(value.equals(before[key]!), key).toBe(true);
    const node = nodesOf(bytes).find((n) => n.opType === "BatchNormalization")!;
    expect(node.inputs.slice(3)).toEqual(["running_mean", "running_var"]);
    if (bn.affine) expect(node.inputs.slice(1, 3)).toEqual(["weight", "bias"]);
  });

  it("BatchNorm1d with trackRunningStats false normalises by the batch's own statistics in the graph too", async () => {
    const bn = new BatchNorm1d(3, { dtype, trackRunningStats: false });
    randomizeParameters(bn, 6);
    bn.eval();
    const bytes = await exportsAndMatches(bn, [2, 3, 4], dtype);
    expect(opTypesOf(bytes)).toContain("ReduceMean");
    expect(opTypesOf(bytes)).not.toContain("BatchNormalization");
  });

  it("a BatchNorm1d between Linear layers keeps its state-dict names in a Sequential", async () => {
    const model = new Sequential(new Linear(5, 4, { rng: rng(1), dtype }), new BatchNorm1d(4, { dtype }), new Linear(4, 2, { rng: rng(2), dtype }));
    train(model, [6, 5], dtype);
    const node = nodesOf(await exportsAndMatches(model, [2, 5], dtype)).find((n) => n.opType === "BatchNormalization")!;
    expect(node.inputs.slice(1)).toEqual(["1.weight", "1.bias", "1.running_mean", "1.running_var"]);
  });
});

describe.each(DTYPES)("layer norm in %s", (dtype) => {
  it.each([
    ["over the last axis", () => new LayerNorm(6, { dtype }), [2, 4, 6], -1],
    ["over the last two axes", () => new LayerNorm([4, 6], { dtype }), [2, 4, 6], -2],
    ["elementwiseAffine false", () => new LayerNorm(6, { dtype, elementwiseAffine: false }), [2, 3, 6], -1],
    ["bias false, eps 1e-3", () => new LayerNorm([3, 5], { dtype, bias: false, eps: 1e-3 }), [2, 3, 5], -2],
  ] as const)("LayerNorm %s", async (_, make, shape, axis) => {
    const ln = make();
    randomizeParameters(ln, 8);
    const bytes = await exportsAndMatches(ln, [...shape], dtype);
    const node = onlyNode(bytes, "LayerNormalization");
    // the statistics in the input's precision: ONNX's DOUBLE (11) for float64, FLOAT (1) otherwise
    expect(node.ints).toMatchObject({ axis, stash_type: dtype === "float64" ? 11 : 1 });
    expect(node.inputs.length).toBe(ln.bias === null ? 2 : 3);
  });
});
