// layerNorm and scaledDotProductAttention beyond the PyTorch fixtures: gradients against central
// differences in float64 for contiguous, strided and broadcast inputs, second derivatives (a
// backward recorded with createGraph, checked against differences of the first derivative),
// layerNorm's kernels against its composite, sdpa against its formula written out with
// primitives, the rule for a fully masked row, and the errors.
import { describe, expect, it } from "vitest";
import {
  add, grad, gradcheck, gradients, layerNorm, matmul, mul, scaledDotProductAttention, softmax, sum, transpose, variable, type Variable,
} from "@strata/autograd";
import { DTypeError, ShapeError, ValueError, randn, rng, tensor, zeros, type DType, type Tensor } from "@strata/tensor";
import { layerNormComposite } from "../src/layer-norm-composite.js";
import { LAYOUTS, hasLayout, inLayout } from "./layouts.js";

const f64 = (shape: number[], seed: number, mean = 0, std = 1): Tensor => randn(shape, { rng: rng(seed), dtype: "float64", mean, std });

describe.each(LAYOUTS)("layerNorm's gradients against central differences, %s inputs", (layout) => {
  it("over one axis, with weight and bias", () => {
    const [x, w, b] = [f64([3, 4, 5], 1, 1, 2), f64([5], 2, 1), f64([5], 3)].map((t) => inLayout(t, layout));
    expect(hasLayout(x!, layout)).toBe(true);
    expect(gradcheck((x, w, b) => layerNorm(x, [5], w, b), [x!, w!, b!]).passed).toBe(true);
  });
  it("over two axes, without weight or bias", () => {
    const x = inLayout(f64([2, 3, 4], 4, -1, 3), layout);
    expect(gradcheck((x) => layerNorm(x, [3, 4], null, null, { eps: 1e-3 }), [x]).passed).toBe(true);
  });
});

describe("layerNorm's second derivatives (createGraph)", () => {
  it("the gradient of x and of the weight differentiate again", () => {
    const r = f64([3, 6], 5);
    const first = grad((x, w, b) => sum(mul(layerNorm(x, [6], w, b), r)), { argnums: [0, 1] });
    const firstOrder = (x: Variable, w: Variable, b: Variable): Variable => {
      const [gx, gw] = first(x, w, b);
      return add(sum(mul(gx!, gx!)), sum(mul(gw!, f64([6], 6))));
    };
    expect(gradcheck(firstOrder, [f64([3, 6], 7, 1, 2), f64([6], 8, 1), f64([6], 9)]).passed).toBe(true);
  });
});

describe("layerNorm's kernels equal its composite", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    it(`${dtype}, (64, 10, 48) over the last axis and (8, 12, 6, 8) over three`, () => {
      for (const [shape, axes] of [[[64, 10, 48], 1], [[8, 12, 6, 8], 3]] as const) {
        const norm = shape.slice(shape.length - axes);
        const xt = randn([...shape], { rng: rng(10), dtype, mean: 3, std: 2 });
        const wt = randn(norm, { rng: rng(11), dtype, mean: 1 });
        const bt = randn(norm, { rng: rng(12), dtype });
        const gy = randn([...shape], { rng: rng(13), dtype });
        const run = (composite: boolean) => {
          const [x, w, b] = [xt, wt, bt].map((t) => variable(t, { requiresGrad: true })) as [Variable, Variable, Variable];
          const y = composite ? layerNormComposite(x, axes, w, b, 1e-5) : layerNorm(x, norm, w, b);
          return [y, ...gradients([sum(mul(y, gy))], [x, w, b])].map((v) => v!.data);
        };
        const [fast, slow] = [run(false), run(true)];
        const tol = dtype === "float32" ? 1e-5 : 1e-12;
        fast.forEach((t, i) => expect(t.allClose(slow[i]!, { rtol: tol, atol: tol * 10 }), `output ${i}`).toBe(true));
      }
    });
  }
  it("records one op", () => {
    expect(layerNorm(variable(f64([2, 3], 14), { requiresGrad: true }), 3).gradFn?.name).toBe("layerNorm");
  });
});

describe("layerNorm's errors", () => {
  const x = variable(zeros([2, 3, 4]));
  it("names the shapes", () => {
    expect(() => layerNorm(x, [3])).toThrow(ShapeError);
    expect(() => layerNorm(x, [3])).toThrow("layerNorm: expected input (…, 3) whose trailing axes are the normalized shape (3), got (2,3,4)");
    expect(() => layerNorm(x, [2, 3, 4, 5])).toThrow(ShapeError);
    expect(() => layerNorm(x, 4, zeros([3]))).toThrow("layerNorm: weight has shape (3); expected the normalized shape (4)");
    expect(() => layerNorm(x, 4, null, zeros([1, 4]))).toThrow("layerNorm: bias has shape (1,4); expected the normalized shape (4)");
  });
  it("checks dtypes, the normalized shape and eps", () => {
    expect(() => layerNorm(x, 4, zeros([4], { dtype: "float64" }))).toThrow(DTypeError);
    expect(() => layerNorm(tensor([[1, 2]], { dtype: "int32" }), 2)).toThrow(DTypeError);
    expect(() => layerNorm(x, [])).toThrow(ValueError);
    expect(() => layerNorm(x, 4, null, null, { eps: -1 })).toThrow(ValueError);
  });
});

/** sdpa written out with primitives, for comparison (no masks). */
function reference(q: Variable, k: Variable, v: Variable, scale: number): Variable {
  const kt = transpose(k, [...k.shape.keys()].map((i, _, a) => (i === a.length - 2 ? a.length - 1 : i === a.length - 1 ? a.length - 2 : i)));
  return matmul(softmax(mul(matmul(q, kt), scale), { axis: -1 }), v);
}

describe.each(LAYOUTS)("scaledDotProductAttention's gradients against central differences, %s inputs", (layout) => {
  it("q, k and v of (2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3)", () => {
    const inputs = [f64([2, 2, 3, 4], 20), f64([2, 2, 5, 4], 21), f64([2, 2, 5, 3], 22)].map((t) => inLayout(t, layout));
    expect(gradcheck((q, k, v) => scaledDotProductAttention(q, k, v), inputs).passed).toBe(true);
  });
  it("with a float mask that takes gradients too, and a causal mask", () => {
    const inputs = [f64([2, 3, 4], 23), f64([2, 3, 4], 24), f64([2, 3, 2], 25), f64([3, 3], 26)].map((t) => inLayout(t, layout));
    expect(gradcheck((q, k, v, m) => scaledDotProductAttention(q, k, v, { attnMask: m }), inputs).passed).toBe(true);
    expect(gradcheck((q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.7 }), inputs.slice(0, 3)).passed).toBe(true);
  });
});

describe("scaledDotProductAttention", () => {
  it("equals its formula written with primitives, leading axes broadcast", () => {
    const [q, k, v] = [f64([3, 2, 4, 5], 30), f64([2, 6, 5], 31), f64([1, 1, 6, 3], 32)].map((t) => variable(t));
    expect(scaledDotProductAttention(q!, k!, v!).data.allClose(reference(q!, k!, v!, 1 / Math.sqrt(5)).data, { rtol: 1e-12 })).toBe(true);
  });
  it("has second derivatives (createGraph)", () => {
    const r = f64([2, 3, 2], 33);
    const first = grad((q, k, v) => sum(mul(scaledDotProductAttention(q, k, v, { isCausal: true }), r)), { argnums: [0, 1, 2] });
    const firstOrder = (q: Variable, k: Variable, v: Variable): Variable => {
      const gs = first(q, k, v);
      return gs.reduce((acc: Variable, g, i) => add(acc, sum(mul(g!, f64([...g!.shape], 34 + i)))), variable(0, { dtype: "float64" }));
    };
    expect(gradcheck(firstOrder, [f64([2, 3, 4], 37), f64([2, 3, 4], 38), f64([2, 3, 2], 39)]).passed).toBe(true);
  });
  it("gives a fully masked query zero weights, a zero output and zero gradients (PyTorch 2.x gives NaN)", () => {
    const q = variable(f64([3, 2], 40), { requiresGrad: true });
    const k = variable(f64([4, 2], 41), { requiresGrad: true });
    const v = variable(f64([4, 3], 42), { requiresGrad: true });
    const attnMask = tensor([[true, false, true, false], [false, false, false, false], [true, true, true, true]]);
    const y = scaledDotProductAttention(q, k, v, { attnMask });
    expect(y.data.slice([1, 2]).toArray()).toEqual([[0, 0, 0]]);
    const [gq] = gradients([sum(y)], [q]);
    expect(gq!.data.slice([1, 2]).toArray()).toEqual([[0, 0]]);
    // the other rows are those of attention over the keys they keep
    const kept = scaledDotProductAttention(q.data.slice([0, 1]), k.data.slice([0, 4, 2]), v.data.slice([0, 4, 2]));
    expect(y.data.slice([0, 1]).allClose(kept.data, { rtol: 1e-12 })).toBe(true);
  });
  it("takes empty sequences with a mask as it does without one", () => {
    const [q, k, v] = [f64([3, 2], 46), f64([0, 2], 47), f64([0, 3], 48)];
    const none = scaledDotProductAttention(q, k, v);
    expect(none.shape).toEqual([3, 3]);
    expect(scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 0], { dtype: "bool" }) }).data.equals(none.data)).toBe(true);
    const empty = scaledDotProductAttention(f64([0, 2], 49), f64([4, 2], 50), f64([4, 3], 51), { isCausal: true });
    expect(empty.shape).toEqual([0, 3]);
  });
  it("drops attention weights with probability dropoutP, from its rng", () => {
    const [q, k, v] = [f64([64, 4], 43), f64([64, 4], 44), f64([64, 64], 45).mul(0).add(1)];
    const y = scaledDotProductAttention(q, k, v, { dropoutP: 1 });
    expect(y.data.allClose(zeros([64, 64], { dtype: "float64" }))).toBe(true);
    const a = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, rng: rng(1) });
    const b = scaledDotProductAttention(q, k, v, { dropoutP: 0.5, rng: rng(1) });
    expect(a.data.equals(b.data)).toBe(true);
    // each output is Σ kept weights / 0.5 over a row of ones: about 1 on average
    const m = a.data.mean().item();
    expect(m).toBeGreaterThan(0.8);
    expect(m).toBeLessThan(1.2);
  });
  it("says what is wrong", () => {
    const [q, k, v] = [zeros([2, 3, 4]), zeros([2, 5, 4]), zeros([2, 5, 6])];
    expect(() => scaledDotProductAttention(q, k, zeros([2, 4, 6]))).toThrow("scaledDotProductAttention: expected q (…, L, E), k (…, S, E) and v (…, S, Ev) with the same E and S, got (2,3,4), (2,5,4) and (2,4,6)");
    expect(() => scaledDotProductAttention(q, zeros([3, 5, 4]), zeros([3, 5, 6]))).toThrow(ShapeError);
    expect(() => scaledDotProductAttention(zeros([4]), k, v)).toThrow(ShapeError);
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 4]) })).toThrow("scaledDotProductAttention: attnMask of shape (3,4) does not broadcast to the attention scores (2,3,5) (…, L, S)");
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 5], { dtype: "bool" }), isCausal: true })).toThrow(ValueError);
    expect(() => scaledDotProductAttention(q, k, v, { attnMask: zeros([3, 5], { dtype: "int32" }) })).toThrow(DTypeError);
    expect(() => scaledDotProductAttention(q, k.cast("float64"), v)).toThrow(DTypeError);
    expect(() => scaledDotProductAttention(q, k, v, { dropoutP: 2 })).toThrow(ValueError);
  });
});
