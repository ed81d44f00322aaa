// The functional ops beyond PyTorch's values (functional-torch.test.ts): gradients against central
// differences in float64 on contiguous, strided and broadcast inputs, second derivatives, the
// running statistics kept out of the graph, dropout's masks by structure and by statistics, and
// the errors.
import { describe, expect, it } from "vitest";
import {
  batchNorm, crossEntropy, dropout, dropout2d, erf, flatten, gelu, grad, gradcheck, hardtanh, logSoftmax, mul, nllLoss,
  noGrad, relu6, silu, sum, variable, type Variable,
} from "@strata/autograd";
import { DTypeError, ShapeError, ValueError, ones, rand, randn, rng, tensor, zeros, type Rng, type Shape, type Tensor } from "@strata/tensor";
import { thrown } from "../../tensor/test/reference.js";
import { LAYOUTS, inLayout } from "./layouts.js";

const normal = (g: Rng, shape: Shape, scale = 1): Tensor => randn(shape, { rng: g, dtype: "float64" }).mul(scale);
const positive = (g: Rng, shape: Shape): Tensor => rand(shape, { rng: g, dtype: "float64", low: 0.5, high: 1.5 });
const int32 = (values: number[] | number[][], shape?: Shape): Tensor => tensor(values, { dtype: "int32", ...(shape && { shape }) });
/** Σ out·r for a fixed random r: every output element gets its own upstream gradient. */
const weighted = (out: Variable, g: Rng): Variable => (out.ndim === 0 ? out : sum(mul(out, normal(g, out.shape))));

describe.each(LAYOUTS)("gradients against central differences, %s inputs", (layout) => {
  const check = (fn: (...xs: Variable[]) => Variable, inputs: Tensor[]): void => {
    const result = gradcheck(fn, inputs.map((t) => inLayout(t, layout)));
    expect(result.passed).toBe(true);
    expect(result.checked).toBeGreaterThan(0);
  };

  it("erf, gelu (both forms), silu, hardtanh, relu6", () => {
    // off the kinks of hardtanh and relu6 (±1, 0, 6), where only one-sided derivatives exist
    const x = tensor([[-2.7, -1.3, -0.4, 0.3], [0.8, 1.6, 2.4, 7.2], [5.1, -3.3, 1.1, 0.05]], { dtype: "float64" });
    check((v) => erf(v), [x]);
    check((v) => gelu(v), [x]);
    check((v) => gelu(v, { approximate: "tanh" }), [x]);
    check((v) => silu(v), [x]);
    check((v) => hardtanh(v), [x]);
    check((v) => hardtanh(v, -2, 2), [x]);
    check((v) => relu6(v), [x]);
  });

  it.each([[[6, 3]], [[3, 2, 4]], [[2, 3, 2, 3]]] as [number[]][])("batchNorm in training and in eval, input %j: x, weight and bias", (shape) => {
    const g = rng(5);
    const c = shape[1]!;
    const [x, w, b] = [normal(g, shape, 2), positive(g, [c]), normal(g, [c])];
    const [rm, rv] = [normal(g, [c], 0.2), positive(g, [c])];
    check((xv, wv, bv) => weighted(batchNorm(xv, null, null, wv, bv, { training: true }), rng(1)), [x, w, b]);
    check((xv, wv, bv) => weighted(batchNorm(xv, rm, rv, wv, bv, { training: false }), rng(1)), [x, w, b]);
    check((xv) => weighted(batchNorm(xv, null, null, null, null, { training: true, eps: 1e-3 }), rng(1)), [x]);
  });

  it("crossEntropy with class indices (weight, ignoreIndex, smoothing) and with probabilities", () => {
    const g = rng(9);
    const logits = normal(g, [5, 4], 2);
    const labels = int32([0, 3, -100, 1, 3]);
    const w = positive(g, [4]);
    const p = normal(g, [5, 4]).exp();
    const probs = p.div(p.sum({ axis: 1, keepDims: true }));
    check((z) => crossEntropy(z, labels), [logits]);
    check((z) => crossEntropy(z, labels, { weight: w, labelSmoothing: 0.15 }), [logits]);
    check((z) => weighted(crossEntropy(z, labels, { reduction: "none", labelSmoothing: 0.3 }), rng(2)), [logits]);
    check((z, t) => crossEntropy(z, t, { weight: w, labelSmoothing: 0.2 }), [logits, probs]);
    check((z) => crossEntropy(z, int32([[0, 2, 1], [1, 1, 0]]), { reduction: "sum" }), [normal(g, [2, 3, 3])]);
    check((z) => nllLoss(logSoftmax(z, { axis: 1 }), labels, { weight: w }), [logits]);
  });
});

describe("second derivatives (the composed ops differentiate again)", () => {
  it("gelu'' by gradcheck of gelu' (exact and tanh forms)", () => {
    const x = tensor([-2.2, -0.6, 0.1, 0.9, 3.1], { dtype: "float64" });
    for (const approximate of ["none", "tanh"] as const) {
      const first = (v: Variable): Variable => grad((u: Variable) => sum(gelu(u, { approximate })))(v) as Variable;
      expect(gradcheck((v) => sum(mul(first(v), tensor([1, -2, 0.5, 3, -1], { dtype: "float64" }))), [x]).passed).toBe(true);
    }
  });

  it("erf'' = −2x·erf'(x), worked out by hand", () => {
    const x = variable([0.7, -1.2], { requiresGrad: true, dtype: "float64" });
    const d1 = grad((u: Variable) => sum(erf(u)))(x) as Variable;
    d1.sum().backward();
    const want = [0.7, -1.2].map((v) => -2 * v * (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v));
    expect(x.grad!).toAllClose(want, { rtol: 1e-14 });
  });

  it("crossEntropy and batchNorm: gradcheck of the gradient", () => {
    const g = rng(4);
    const labels = int32([2, 0, 1]);
    const firstCe = (z: Variable): Variable => grad((u: Variable) => crossEntropy(u, labels, { labelSmoothing: 0.1 }))(z) as Variable;
    expect(gradcheck((z) => weighted(firstCe(z), rng(3)), [normal(g, [3, 3])]).passed).toBe(true);
    const firstBn = (x: Variable): Variable => grad((u: Variable) => weighted(batchNorm(u, null, null, null, null, { training: true }), rng(6)))(x) as Variable;
    expect(gradcheck((x) => weighted(firstBn(x), rng(7)), [normal(g, [4, 2])]).passed).toBe(true);
  });
});

describe("batchNorm's running statistics", () => {
  it("are updated once per training call, with the unbiased variance, and never in eval", () => {
    // channel 0: values 1, 3, 5, 7 (mean 4, biased variance 5, unbiased 20/3); channel 1: constant 2
    const x = tensor([[1, 2], [3, 2], [5, 2], [7, 2]], { dtype: "float64" });
    const rm = zeros([2], { dtype: "float64" });
    const rv = ones([2], { dtype: "float64" });
    const y = batchNorm(x, rm, rv, null, null, { training: true, momentum: 0.25, eps: 0 });
    expect(y.data.slice(null, 0)).toAllClose([-3, -1, 1, 3].map((v) => v / Math.sqrt(5)), { rtol: 1e-15 });
    expect(rm.toArray()).toEqual([0.25 * 4, 0.25 * 2]);
    expect(rv).toAllClose([0.75 + 0.25 * (20 / 3), 0.75], { rtol: 1e-15 });
    expect([rm.version, rv.version]).toEqual([1, 1]);
    batchNorm(x, rm, rv, null, null, { training: false });
    batchNorm(x, rm, rv, null, null);
    expect([rm.version, rv.version]).toEqual([1, 1]);
    // under noGrad, as in a validation pass in training mode, they are still updated
    noGrad(() => batchNorm(x, rm, rv, null, null, { training: true }));
    expect(rm.version).toBe(2);
  });

  it("stay out of the graph: changing them after the forward pass leaves the gradients as they were", () => {
    const g = rng(8);
    const xv = normal(g, [5, 3]);
    const w = positive(g, [3]);
    const gradsOf = (mutate: boolean): Tensor[] => {
      const x = variable(xv, { requiresGrad: true });
      const weight = variable(w, { requiresGrad: true });
      const rm = zeros([3], { dtype: "float64" });
      const rv = ones([3], { dtype: "float64" });
      const y = batchNorm(x, rm, rv, weight, null, { training: true });
      if (mutate) {
        rm.fill(100);
        rv.fill(1e-3);
      }
      weighted(y, rng(2)).backward();
      return [x.grad!, weight.grad!];
    };
    const [a, b] = [gradsOf(false), gradsOf(true)];
    expect(b[0]!.equals(a[0]!)).toBe(true);
    expect(b[1]!.equals(a[1]!)).toBe(true);
  });

  it("normalise by the batch in training whether or not running tensors are given", () => {
    const x = normal(rng(3), [4, 2, 3]);
    const withStats = batchNorm(x, zeros([2], { dtype: "float64" }), ones([2], { dtype: "float64" }), null, null, { training: true });
    const without = batchNorm(x, null, null, null, null, { training: true });
    expect(withStats.data.equals(without.data)).toBe(true);
    // per channel: mean 0 and biased variance 1/(1 + eps/σ²), i.e. close to 1
    const means = without.data.mean({ axis: [0, 2] });
    expect(means).toAllClose([0, 0], { atol: 1e-15 });
    expect(without.data.mul(without.data).mean({ axis: [0, 2] })).toAllClose([1, 1], { rtol: 1e-4 });
  });

  it("refuse bad input with the op, the shapes and the fix", () => {
    const x = zeros([4, 3], { dtype: "float64" });
    const stats = (): [Tensor, Tensor] => [zeros([3], { dtype: "float64" }), ones([3], { dtype: "float64" })];
    const cases: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
      [() => batchNorm(zeros([4], { dtype: "float64" }), null, null, null, null, { training: true }), ShapeError, /batchNorm: expected input \(N, C\), \(N, C, L\) or \(N, C, H, W\), got \(4\)/],
      [() => batchNorm(zeros([4, 3], { dtype: "int32" }), null, null, null, null, { training: true }), DTypeError, /batchNorm: input is int32/],
      [() => batchNorm(x, zeros([4], { dtype: "float64" }), ones([3], { dtype: "float64" })), ShapeError, /batchNorm: runningMean has shape \(4\); expected \(3\), one value per channel of input \(4,3\)/],
      [() => batchNorm(x, ...stats(), ones([3]), null), DTypeError, /batchNorm: weight is float32 but the input is float64/],
      [() => batchNorm(x, zeros([3], { dtype: "float64" }), null), ValueError, /batchNorm: pass both runningMean and runningVar, or neither; got only runningMean/],
      [() => batchNorm(x, null, null, null, null, { training: false }), ValueError, /batchNorm: training is false but runningMean and runningVar are null/],
      [() => batchNorm(zeros([1, 3], { dtype: "float64" }), null, null, null, null, { training: true }), ValueError, /batchNorm: expected more than 1 value per channel when training, got input \(1,3\)/],
      [() => batchNorm(x, ...stats(), null, null, { training: true, momentum: 1.5 }), ValueError, /batchNorm: momentum must be a number in \[0, 1\], got 1.5/],
      [() => batchNorm(x, ...stats(), null, null, { eps: -1 }), ValueError, /batchNorm: eps must be a finite number >= 0, got -1/],
      [() => batchNorm(x, [0, 0, 0] as never, ones([3], { dtype: "float64" })), ValueError, /batchNorm: runningMean must be a Tensor or null, got Array/],
    ];
    for (const [fn, type, message] of cases) {
      const e = thrown(fn);
      expect(e, message.source).toBeInstanceOf(type);
      expect(e.message).toMatch(message);
    }
  });
});

describe("crossEntropy's semantics", () => {
  it("is log-sum-exp minus the target's logit, by hand, and stable at ±1e4 in float32 too", () => {
    const z = [[1, 2, 3], [0, 0, 0]];
    const lse = (row: number[]): number => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    const want = [lse(z[0]!) - 1, lse(z[1]!) - 0];
    expect(crossEntropy(variable(z, { dtype: "float64" }), int32([0, 2]), { reduction: "none" }).data).toAllClose(want, { rtol: 1e-15 });
    const extreme = crossEntropy(variable([[1e4, -1e4], [-1e4, 1e4]]), int32([1, 1]), { reduction: "none" });
    expect(extreme.dtype).toBe("float32");
    expect(extreme.toArray()).toEqual([2e4, 0]);
  });

  it("weights the mean by the targets' weights, not by their number, and all-ignored gives NaN as PyTorch", () => {
    const z = variable([[0, 0], [0, 0], [0, 0]], { dtype: "float64" });
    const w = tensor([1, 3], { dtype: "float64" });
    // every loss is ln 2: (1·ln2 + 3·ln2 + 3·ln2) / (1 + 3 + 3) = ln 2
    expect(crossEntropy(z, int32([0, 1, 1]), { weight: w }).item()).toBeCloseTo(Math.LN2, 15);
    expect(crossEntropy(z, int32([0, 1, 1]), { weight: w, reduction: "sum" }).item()).toBeCloseTo(7 * Math.LN2, 14);
    expect(crossEntropy(z, int32([-100, -100, -100])).item()).toBeNaN();
    expect(crossEntropy(z, int32([-100, -100, -100]), { reduction: "sum" }).item()).toBe(0);
  });

  it("with smoothing ε equals the loss against the smoothed one-hot target (no ignored targets, no weight)", () => {
    const g = rng(12);
    const z = normal(g, [4, 5]);
    const labels = int32([4, 0, 2, 2]);
    const eps = 0.3;
    const smoothed = tensor([4, 0, 2, 2].map((c) => Array.from({ length: 5 }, (_, k) => (k === c ? 1 - eps : 0) + eps / 5)), { dtype: "float64" });
    expect(crossEntropy(z, labels, { labelSmoothing: eps }).data).toAllClose(crossEntropy(z, smoothed).data, { rtol: 1e-14 });
    expect(crossEntropy(z, labels).data).toAllClose(crossEntropy(z, smoothed.mul(0).add(tensor([4, 0, 2, 2].map((c) => Array.from({ length: 5 }, (_, k) => +(k === c))), { dtype: "float64" }))).data, { rtol: 1e-14 });
  });

  it("names the op, the position and the value of a bad label, and the shapes of a bad target", () => {
    const z = variable([[0, 1, 2], [1, 1, 1]]);
    const cases: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
      [() => crossEntropy(z, int32([0, 3])), ValueError, /^crossEntropy: target\[1\] = 3 is out of range for input \(2,3\) with 3 classes; expected 0 <= target < 3, or ignoreIndex \(-100\)$/],
      [() => crossEntropy(variable(zeros([2, 3, 2])), int32([[0, 1], [-1, 2]])), ValueError, /crossEntropy: target\[1, 0\] = -1 is out of range/],
      [() => crossEntropy(variable(zeros([3])), int32([7], [])), ValueError, /crossEntropy: target = 7 is out of range for input \(3\)/],
      [() => nllLoss(z, int32([5, 0])), ValueError, /^nllLoss: target\[0\] = 5 is out of range/],
      [() => crossEntropy(z, tensor([0, 1])), DTypeError, /crossEntropy: target \(2\) is float32; class indices must be int32 \(cast it: target.cast\("int32"\)\), and probabilities must have the input's shape \(2,3\)/],
      [() => crossEntropy(z, int32([0, 1, 2])), ShapeError, /crossEntropy: input \(2,3\) needs class indices of shape \(2\) or probabilities of shape \(2,3\), got target \(3\)/],
      [() => crossEntropy(z, zeros([2, 3], { dtype: "int32" })), DTypeError, /crossEntropy: target \(2,3\) has the input's shape, so it holds class probabilities, but it is int32/],
      [() => crossEntropy(z, zeros([2, 3]), { ignoreIndex: 0 }), ValueError, /crossEntropy: ignoreIndex \(0\) applies to class indices only/],
      [() => crossEntropy(z, int32([0, 1]), { labelSmoothing: 1.5 }), ValueError, /crossEntropy: labelSmoothing must be a number in \[0, 1\], got 1.5/],
      [() => crossEntropy(z, int32([0, 1]), { weight: ones([2]) }), ShapeError, /crossEntropy: weight has shape \(2\); expected \(3\), one weight per class of input \(2,3\)/],
      [() => crossEntropy(z, int32([0, 1]), { reduction: "avg" as never }), ValueError, /crossEntropy: reduction must be "mean", "sum" or "none", got "avg"/],
      [() => crossEntropy(variable([[1, 2]], { dtype: "int32" }), int32([0])), DTypeError, /crossEntropy: input is int32; expected float32 or float64 scores/],
      [() => crossEntropy(z, [0, 1] as never), ValueError, /crossEntropy: target must be a Tensor/],
    ];
    for (const [fn, type, message] of cases) {
      const e = thrown(fn);
      expect(e, message.source).toBeInstanceOf(type);
      expect(e.message).toMatch(message);
    }
  });

  it("takes an unbatched (K) example with a () label, and 'none' gives the target's shape", () => {
    const z = variable([0.5, -1, 2], { dtype: "float64" });
    const one = crossEntropy(z, int32([2], []));
    expect(one.shape).toEqual([]);
    expect(one.item()).toBeCloseTo(crossEntropy(variable([[0.5, -1, 2]], { dtype: "float64" }), int32([2])).item(), 15);
    expect(crossEntropy(variable(zeros([2, 3, 4, 5])), zeros([2, 4, 5], { dtype: "int32" }), { reduction: "none" }).shape).toEqual([2, 4, 5]);
  });
});

describe("dropout and dropout2d", () => {
  it("dropout keeps each element with probability 1 − p, scaled by 1/(1 − p): 20,000 draws within 4σ", () => {
    const p = 0.3;
    const y = dropout(ones([200, 100], { dtype: "float64" }), { p, rng: rng(1) });
    const values = Array.from(y.data.toTypedArray() as Float64Array);
    expect(new Set(values)).toEqual(new Set([0, 1 / (1 - p)]));
    const zeroShare = values.filter((v) => v === 0).length / values.length;
    expect(Math.abs(zeroShare - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / values.length));
    // the expected output is the input: the mean of x·mask/(1 − p) is close to 1
    expect(Math.abs(y.data.mean().item() - 1)).toBeLessThan(4 * Math.sqrt(p / (1 - p) / values.length));
  });

  it("dropout2d zeroes whole channels and scales the others: every (n, c) plane is all 0 or all 1/(1 − p)", () => {
    const p = 0.4;
    const x = variable(randn([50, 40, 3, 3], { rng: rng(2), dtype: "float64" }), { requiresGrad: true });
    const y = dropout2d(x, { p, rng: rng(3) });
    let dropped = 0;
    for (let n = 0; n < 50; n++) {
      for (let c = 0; c < 40; c++) {
        const plane = y.data.slice(n, c);
        const ratio = plane.div(x.data.slice(n, c));
        const r = Array.from(ratio.toTypedArray() as Float64Array);
        const kept = r[0]! !== 0;
        if (!kept) dropped++;
        expect(r.every((v) => Math.abs(v - (kept ? 1 / (1 - p) : 0)) < 1e-15), `plane (${n}, ${c})`).toBe(true);
      }
    }
    expect(Math.abs(dropped / 2000 - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / 2000));
    // the gradient is the same mask: 1/(1 − p) on the kept planes, 0 on the dropped ones
    y.sum().backward();
    const mask = Array.from(y.data.toTypedArray() as Float64Array).map((v) => (v === 0 ? 0 : 1 / (1 - p)));
    expect(Array.from(x.grad!.toTypedArray() as Float64Array)).toEqual(mask);
  });

  it("draws its mask from the seed: same seed, same mask; training false or p = 0 passes x through; p = 1 zeroes", () => {
    const x = variable(ones([4, 3, 2, 2]));
    expect(dropout2d(x, { rng: rng(7) }).data.equals(dropout2d(x, { rng: rng(7) }).data)).toBe(true);
    expect(dropout(x, { rng: rng(7) }).data.equals(dropout(x, { rng: rng(7) }).data)).toBe(true);
    expect(dropout2d(x, { rng: rng(7) }).data.equals(dropout2d(x, { rng: rng(8) }).data)).toBe(false);
    expect(dropout(x, { training: false })).toBe(x);
    expect(dropout2d(x, { p: 0, rng: rng(1) })).toBe(x);
    expect(dropout(x, { p: 1 }).data.equals(zeros([4, 3, 2, 2]))).toBe(true);
    expect(dropout(x, { p: 0.5, rng: rng(1) }).dtype).toBe("float32");
  });

  it("refuses bad input", () => {
    expect(thrown(() => dropout2d(zeros([3, 4, 4]))).message).toMatch(/dropout2d: expected input \(N, C, H, W\), got \(3,4,4\); for one image \(C, H, W\) add the batch axis/);
    expect(thrown(() => dropout(ones([2]), { p: -0.1 }))).toBeInstanceOf(ValueError);
    expect(thrown(() => dropout(ones([2]), { rng: 3 as never })).message).toMatch(/dropout: options.rng must be an Rng/);
    expect(thrown(() => dropout(zeros([2], { dtype: "int32" })))).toBeInstanceOf(DTypeError);
  });
});

describe("flatten(x, startDim, endDim)", () => {
  it("merges the axes from startDim to endDim, row-major, and its gradient is reshaped back", () => {
    const x = variable(randn([2, 3, 4, 5], { rng: rng(1), dtype: "float64" }), { requiresGrad: true });
    expect(flatten(x).shape).toEqual([120]);
    expect(flatten(x, 1).shape).toEqual([2, 60]);
    expect(flatten(x, 1, 2).shape).toEqual([2, 12, 5]);
    expect(flatten(x, -3, -2).shape).toEqual([2, 12, 5]);
    expect(flatten(x, 2, 2).shape).toEqual([2, 3, 4, 5]);
    expect(flatten(x, 1).data.equals(x.data.reshape([2, 60]))).toBe(true);
    expect(flatten(variable(3)).shape).toEqual([1]);
    const y = flatten(x, 1);
    const r = randn([2, 60], { rng: rng(2), dtype: "float64" });
    sum(mul(y, r)).backward();
    expect(x.grad!.equals(r.reshape([2, 3, 4, 5]))).toBe(true);
    expect(thrown(() => flatten(x, 2, 1)).message).toMatch(/flatten: startDim 2 \(axis 2\) comes after endDim 1 \(axis 1\) of \(2,3,4,5\)/);
    expect(thrown(() => flatten(x, 4))).toBeInstanceOf(ValueError);
  });
});

describe("activation errors", () => {
  it("name the op and the value", () => {
    expect(thrown(() => gelu(variable([1]), { approximate: "erf" as never })).message).toBe(`gelu: approximate must be "none" or "tanh", got "erf"`);
    expect(thrown(() => hardtanh(variable([1]), 1, 1)).message).toMatch(/hardtanh: expected finite bounds minVal < maxVal, got minVal = 1 and maxVal = 1/);
    expect(thrown(() => relu6(variable([1], { dtype: "int32" })))).toBeInstanceOf(DTypeError);
  });
});
