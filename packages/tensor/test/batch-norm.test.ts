// The batch-norm kernels on values worked out by hand, and their argument errors. Their agreement
// with the formula composed from elementwise ops, at scale, is tested in
// packages/autograd/test/batch-norm-fast.test.ts.
import { describe, expect, it } from "vitest";
import { DTypeError, ShapeError, batchNormBackward, batchNormForward, tensor, zeros } from "@strata/tensor";

describe("batchNormForward and batchNormBackward", () => {
  it("normalise (N, C, L) per channel over N and L, with the biased variance", () => {
    // channel 0: 1, 3, 5, 7 (mean 4, biased variance 5); channel 1: 10, 10, 12, 12 (mean 11, variance 1)
    const x = tensor([[[1, 3], [10, 10]], [[5, 7], [12, 12]]], { dtype: "float64" });
    const r = batchNormForward(x, tensor([2, 1], { dtype: "float64" }), tensor([0, 5], { dtype: "float64" }), null, 0);
    expect(r.mean.toArray()).toEqual([4, 11]);
    expect(r.variance.toArray()).toEqual([5, 1]);
    const s = 2 / Math.sqrt(5);
    expect(r.output).toAllClose([[[-3 * s, -1 * s], [4, 4]], [[1 * s, 3 * s], [6, 6]]], { rtol: 1e-15 });
  });

  it("keeps float32 statistics exact under a large offset (two passes in float64)", () => {
    const x = tensor([[10001], [10003]]);
    const r = batchNormForward(x, null, null, null, 0);
    expect(r.variance.toArray()).toEqual([1]);
    expect(r.output.toArray()).toEqual([[-1], [1]]);
  });

  it("gives the closed-form gradients in training: dx sums to zero and is orthogonal to x̂", () => {
    const x = tensor([[1], [2], [4], [9]], { dtype: "float64" });
    const g = tensor([[1], [-2], [0.5], [3]], { dtype: "float64" });
    const { mean, invStd, output: xhat } = batchNormForward(x, null, null, null, 0);
    const r = batchNormBackward(g, x, mean, invStd, tensor([2], { dtype: "float64" }), true);
    const dx = Array.from(r.input!.toTypedArray());
    const xh = Array.from(xhat.toTypedArray());
    expect(Math.abs(dx.reduce((a, b) => a + b, 0))).toBeLessThan(1e-14);
    expect(Math.abs(dx.reduce((a, d, i) => a + d * xh[i]!, 0))).toBeLessThan(1e-14);
    expect(r.bias.toArray()).toEqual([2.5]);
    expect(r.weight).toAllClose([[1, -2, 0.5, 3].reduce((a, gi, i) => a + gi * xh[i]!, 0)], { rtol: 1e-15 });
    expect(batchNormBackward(g, x, mean, invStd, null, true, false).input).toBeNull();
  });

  it("name the op and the shapes or dtypes in their errors", () => {
    const x = zeros([4, 3]);
    const stats = batchNormForward(x, null, null, null, 1e-5);
    expect(() => batchNormForward(zeros([4]), null, null, null, 0)).toThrow(ShapeError);
    expect(() => batchNormForward(zeros([4]), null, null, null, 0)).toThrow(/batchNormForward: expected x \(N, C, …\) with at least 2 axes, got \(4\)/);
    expect(() => batchNormForward(zeros([4, 3], { dtype: "int32" }), null, null, null, 0)).toThrow(DTypeError);
    expect(() => batchNormForward(x, zeros([2]), null, null, 0)).toThrow(/batchNormForward: weight has shape \(2\); expected \(3\)/);
    expect(() => batchNormBackward(zeros([4, 2]), x, stats.mean, stats.invStd, null, true)).toThrow(/batchNormBackward: grad \(4,2\) and x \(4,3\) must have the same shape/);
    expect(() => batchNormBackward(zeros([4, 3], { dtype: "float64" }), x, stats.mean, stats.invStd, null, true)).toThrow(/batchNormBackward: grad is float64 but x is float32/);
  });
});
