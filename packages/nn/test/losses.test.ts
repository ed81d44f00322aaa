// The losses against independent references: every value is recomputed with plain JS loops in
// float64 from the textbook formulas (not with the code under test), every gradient is checked
// against its closed form and against finite differences (gradcheck, float64) for each reduction,
// and each rejected input is checked for its error class and for what its message says.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Variable, grad, gradcheck, sigmoid, sum, variable } from "@strata/autograd";
import { DTypeError, ShapeError, Tensor, ValueError, rand, randn, rng, tensor } from "@strata/tensor";
import {
  bceElementwise, bceGradient, binaryCrossEntropy, binaryCrossEntropyWithLogits, mse, softmaxCrossEntropy,
  type LossOptions, type Reduction,
} from "../src/losses.js";

type Matrix = number[][];
const REDUCTIONS: Reduction[] = ["mean", "sum", "none"];

const f64 = (values: Matrix | number[]): Tensor => tensor(values, { dtype: "float64" });
const leaf = (values: Matrix | Tensor, dtype: "float32" | "float64" = "float64"): Variable =>
  variable(values instanceof Tensor ? values : tensor(values, { dtype }), { requiresGrad: true, dtype });
const matrix = (t: Tensor): Matrix => t.toArray() as Matrix;

// ---- plain-JS references -----------------------------------------------------------------------

const map2 = (a: Matrix, b: Matrix, f: (x: number, y: number, i: number, j: number) => number): Matrix =>
  a.map((row, i) => row.map((x, j) => f(x, b[i]![j]!, i, j)));

/** The per-example losses (column sums) of an elementwise loss matrix, reduced as the losses say. */
function reduceRef(elementwise: Matrix, reduction: Reduction): number | Matrix {
  const m = elementwise[0]!.length;
  const perExample: number[] = [];
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (const row of elementwise) s += row[j]!;
    perExample.push(s);
  }
  if (reduction === "none") return [perExample];
  const total = perExample.reduce((a, b) => a + b, 0);
  return reduction === "sum" ? total : total / m;
}

/** The factor a reduction puts on each element's derivative (backward of loss.sum() for "none"). */
const scaleOf = (reduction: Reduction, m: number): number => (reduction === "mean" ? 1 / m : 1);

const clampedLog = (x: number): number => Math.max(Math.log(x), -100);
const bceRef = (p: Matrix, y: Matrix): Matrix => map2(p, y, (p, y) => -(y * clampedLog(p) + (1 - y) * clampedLog(1 - p)));
const bceDerivRef = (p: Matrix, y: Matrix, s: number): Matrix => map2(p, y, (p, y) => (s * (p - y)) / (p * (1 - p)));
const bceSecondRef = (p: Matrix, y: Matrix, s: number): Matrix => map2(p, y, (p, y) => s * (y / (p * p) + (1 - y) / ((1 - p) * (1 - p))));

const sig = (z: number): number => 1 / (1 + Math.exp(-z));
// The textbook form through σ: fine for the moderate logits it is used on.
const logitsRef = (z: Matrix, y: Matrix): Matrix => map2(z, y, (z, y) => -(y * Math.log(sig(z)) + (1 - y) * Math.log(1 - sig(z))));

function softmaxRef(z: Matrix): Matrix {
  const k = z.length;
  const m = z[0]!.length;
  const out: Matrix = z.map((row) => row.map(() => 0));
  for (let j = 0; j < m; j++) {
    let max = -Infinity;
    for (let i = 0; i < k; i++) max = Math.max(max, z[i]![j]!);
    let total = 0;
    for (let i = 0; i < k; i++) total += Math.exp(z[i]![j]! - max);
    for (let i = 0; i < k; i++) out[i]![j] = Math.exp(z[i]![j]! - max) / total;
  }
  return out;
}
function softmaxCeRef(z: Matrix, y: Matrix): Matrix {
  const p = softmaxRef(z);
  return map2(y, p, (y, p) => (y === 0 ? 0 : -y * Math.log(p)));
}
const oneHotRef = (labels: number[], k: number): Matrix =>
  Array.from({ length: k }, (_, i) => labels.map((c) => (c === i ? 1 : 0)));

const mseRef = (a: Matrix, b: Matrix): Matrix => map2(a, b, (a, b) => (a - b) ** 2);

// ---- test data ---------------------------------------------------------------------------------

const probabilities = (k: number, m: number, seed: number): Matrix => matrix(rand([k, m], { rng: rng(seed), dtype: "float64", low: 0.05, high: 0.95 }));
const binaryLabels = (k: number, m: number, seed: number): Matrix => matrix(rand([k, m], { rng: rng(seed), dtype: "float64" })).map((r) => r.map((u) => (u < 0.5 ? 1 : 0)));
const normals = (k: number, m: number, seed: number, scale = 1): Matrix => matrix(randn([k, m], { rng: rng(seed), dtype: "float64" })).map((r) => r.map((v) => v * scale));

// k = 3 rows exercise the rule "sum over rows, then reduce over examples" (mean = sum / m, not / km).
const K = 3;
const M = 4;
const P = probabilities(K, M, 1);
const Y = binaryLabels(K, M, 2);
const Z = normals(K, M, 3, 2);
const SOFT = softmaxRef(normals(K, M, 4)); // probability labels: columns sum to 1
const CLASSES = [2, 0, 1, 2];

/** The loss value and the gradient of its sum with respect to the first argument. */
function valueAndGradient(loss: (x: Variable) => Variable, x: Variable): { value: Variable; gradient: Tensor } {
  const value = loss(x);
  sum(value).backward();
  return { value, gradient: x.grad! };
}

function expectLoss(value: Variable, expected: number | Matrix, reduction: Reduction, m: number, rtol = 1e-12): void {
  expect(value.shape).toEqual(reduction === "none" ? [1, m] : []);
  expect(value.data).toAllClose(expected, { rtol, atol: 1e-14 });
}

// ---- binary cross-entropy ----------------------------------------------------------------------

describe("binaryCrossEntropy", () => {
  for (const reduction of REDUCTIONS) {
    it(`"${reduction}": value against the scalar reference and gradient (p − y)/(p(1 − p))·scale`, () => {
      const p = leaf(P);
      const { value, gradient } = valueAndGradient((x) => binaryCrossEntropy(x, f64(Y), { reduction }), p);
      expectLoss(value, reduceRef(bceRef(P, Y), reduction), reduction, M);
      expect(gradient).toAllClose(bceDerivRef(P, Y, scaleOf(reduction, M)), { rtol: 1e-12 });
    });

    it(`"${reduction}": passes gradcheck in float64`, () => {
      const labels = f64(Y);
      expect(gradcheck((p) => binaryCrossEntropy(p, labels, { reduction }), [f64(P)]).passed).toBe(true);
    });
  }

  it("defaults to the mean over the m examples of the per-example sums over the rows", () => {
    const value = binaryCrossEntropy(f64(P), f64(Y)).item();
    const elementwise = bceRef(P, Y).flat();
    expect(value).toBeCloseTo(elementwise.reduce((a, b) => a + b, 0) / M, 12);
    expect(value).not.toBeCloseTo(elementwise.reduce((a, b) => a + b, 0) / (K * M), 3);
  });

  it("matches the textbook cost −(1/m)Σ(y log a + (1 − y) log(1 − a)) for one output row", () => {
    const a = [0.9, 0.2, 0.6, 0.35, 0.5];
    const y = [1, 0, 0, 1, 1];
    let cost = 0;
    for (let j = 0; j < a.length; j++) cost += y[j]! * Math.log(a[j]!) + (1 - y[j]!) * Math.log(1 - a[j]!);
    cost = -cost / a.length;
    expect(binaryCrossEntropy(f64([a]), f64([y])).item()).toBeCloseTo(cost, 13);
  });

  it("probabilities of exactly 0 and 1: 100 per wrong certain term, 0 per right one, finite gradient", () => {
    const p = leaf([[0, 1, 0, 1]]);
    const y = f64([[1, 0, 0, 1]]);
    const none = binaryCrossEntropy(p, y, { reduction: "none" });
    expect(none.data).toAllClose([[100, 100, 0, 0]], { rtol: 0, atol: 0 });
    const loss = binaryCrossEntropy(p, y);
    expect(loss.item()).toBe(50);
    loss.backward();
    // (p − y) / max(p(1 − p), 1e-12) / m
    expect(p.grad).toAllClose([[-1e12 / 4, 1e12 / 4, 0, 0]], { rtol: 1e-12 });
    expect(Array.from(p.grad!.toTypedArray()).every(Number.isFinite)).toBe(true);
  });

  it("probabilities of 0 and 1 stay finite in float32 too", () => {
    const p = leaf([[0, 1, 1e-30]], "float32");
    const loss = binaryCrossEntropy(p, tensor([[1, 0, 1]]), { reduction: "sum" });
    expect(loss.dtype).toBe("float32");
    // −log(1e-30) = 69.08 is below the clamp
    expect(loss.item()).toBeCloseTo(200 + 30 * Math.LN10, 3);
    loss.backward();
    expect(Array.from(p.grad!.toTypedArray()).every(Number.isFinite)).toBe(true);
    expect(p.grad!.get(0, 0)).toBeCloseTo(-1e12, -6);
  });

  it("int32 and bool labels give the same value and gradient as float labels", () => {
    const yInt = tensor(Y, { dtype: "int32" });
    const yBool = tensor(Y.map((r) => r.map((v) => v === 1)));
    expect(yBool.dtype).toBe("bool");
    const reference = valueAndGradient((x) => binaryCrossEntropy(x, f64(Y)), leaf(P));
    for (const labels of [yInt, yBool]) {
      const got = valueAndGradient((x) => binaryCrossEntropy(x, labels), leaf(P));
      expect(got.value.dtype).toBe("float64");
      expect(got.value.item()).toBe(reference.value.item());
      expect(got.gradient).toAllClose(reference.gradient, { rtol: 0, atol: 0 });
    }
  });

  it("float32 predictions give a float32 result close to float64, also with float64 labels", () => {
    const p32 = leaf(P, "float32");
    const { value, gradient } = valueAndGradient((x) => binaryCrossEntropy(x, f64(Y)), p32);
    expect(value.dtype).toBe("float32");
    expect(gradient.dtype).toBe("float32");
    expect(value.item()).toBeCloseTo(reduceRef(bceRef(P, Y), "mean") as number, 5);
    expect(gradient).toAllClose(bceDerivRef(P, Y, 1 / M), { rtol: 1e-5 });
    expect(binaryCrossEntropy(p32, tensor(Y), { reduction: "none" }).dtype).toBe("float32");
  });

  it("labels get no gradient", () => {
    const p = leaf(P);
    const y = leaf(Y);
    binaryCrossEntropy(p, y).backward();
    expect(p.grad).not.toBeNull();
    expect(y.grad).toBeNull();
  });

  it("reads transposed (strided) predictions and labels as the views they are", () => {
    const pT = f64(P).T; // (M, K) view of a (K, M) buffer
    const yT = f64(Y).T;
    const Pt = P[0]!.map((_, j) => P.map((r) => r[j]!));
    const Yt = Y[0]!.map((_, j) => Y.map((r) => r[j]!));
    expect(binaryCrossEntropy(pT, yT, { reduction: "none" }).data).toAllClose(reduceRef(bceRef(Pt, Yt), "none") as Matrix, { rtol: 1e-12 });
  });

  it("second derivative by grad(grad) equals (y/p² + (1 − y)/(1 − p)²)/m", () => {
    const labels = f64(Y);
    const first = (p: Variable): Variable => grad((q: Variable) => binaryCrossEntropy(q, labels))(p);
    const second = grad((p: Variable) => sum(first(p)))(f64(P));
    expect(second.data).toAllClose(bceSecondRef(P, Y, 1 / M), { rtol: 1e-10 });
  });

  it("second derivative by backward({ createGraph: true }) matches, and the first derivative passes gradcheck", () => {
    const p = leaf(P);
    const labels = f64(Y);
    binaryCrossEntropy(p, labels, { reduction: "sum" }).backward(undefined, { createGraph: true });
    const first = p.gradVariable!;
    expect(first.data).toAllClose(bceDerivRef(P, Y, 1), { rtol: 1e-12 });
    p.grad = null;
    sum(first).backward();
    expect(p.grad).toAllClose(bceSecondRef(P, Y, 1), { rtol: 1e-10 });
    const derivative = (q: Variable): Variable => grad((x: Variable) => binaryCrossEntropy(x, labels))(q);
    expect(gradcheck(derivative, [f64(P)]).passed).toBe(true);
  });
});

describe("bceElementwise and bceGradient", () => {
  it("bceElementwise is the clamped elementwise loss", () => {
    const p = [[0, 0.3, 1, 0.999999, 1e-60]];
    const y = [[1, 0.25, 1, 0, 1]];
    expect(bceElementwise(f64(p), f64(y)).data).toAllClose(bceRef(p, y), { rtol: 1e-12 });
    expect(bceElementwise(f64(p), f64(y)).data.get(0, 4)).toBe(100); // −log(1e-60) = 138 is clamped
  });

  it("bceGradient is −(y/p − (1 − y)/(1 − p)), finite at 0 and 1", () => {
    const p = [[0.2, 0.7, 0.5]];
    const y = [[1, 0, 0.3]];
    const expected = map2(p, y, (p, y) => -(y / p - (1 - y) / (1 - p)));
    expect(bceGradient(f64(p), f64(y)).data).toAllClose(expected, { rtol: 1e-12 });
    expect(bceGradient(f64([[0, 1, 0, 1]]), f64([[1, 0, 0, 1]])).data).toAllClose([[-1e12, 1e12, 0, 0]], { rtol: 1e-12 });
  });

  it("bceGradient is the autograd gradient of bceElementwise, and is itself differentiable", () => {
    const p = leaf(P);
    sum(bceElementwise(p, f64(Y))).backward();
    expect(p.grad).toAllClose(bceGradient(f64(P), f64(Y)).data, { rtol: 1e-14 });
    expect(gradcheck((q) => sum(bceElementwise(q, f64(Y))), [f64(P)]).passed).toBe(true);
    expect(gradcheck((q) => bceGradient(q, f64(Y)), [f64(P)]).passed).toBe(true);
  });

  it("accept a number for y and labels of another dtype, and keep p's dtype", () => {
    expect(bceElementwise(f64([[0.5]]), 1).data).toAllClose([[Math.LN2]], { rtol: 1e-14 });
    expect(bceGradient(f64([[0.5]]), 0).data).toAllClose([[2]], { rtol: 1e-14 });
    const p32 = tensor([[0.25, 0.75]]);
    expect(bceElementwise(p32, tensor([[1, 0]], { dtype: "int32" })).dtype).toBe("float32");
    expect(bceGradient(p32, f64([[1, 0]])).dtype).toBe("float32");
  });

  it("reject a y of another shape and a non-float p", () => {
    expect(() => bceGradient(f64([[0.5, 0.5]]), f64([[1], [0]]))).toThrow(ShapeError);
    expect(() => bceGradient(f64([[0.5, 0.5]]), f64([[1], [0]]))).toThrow(/bceGradient: p are \(1, 2\) but y are \(2, 1\)/);
    expect(() => bceElementwise(tensor([[1]], { dtype: "int32" }), 1)).toThrow(DTypeError);
  });
});

// ---- binary cross-entropy with logits ----------------------------------------------------------

describe("binaryCrossEntropyWithLogits", () => {
  for (const reduction of REDUCTIONS) {
    it(`"${reduction}": value against −(y log σ(z) + (1 − y) log(1 − σ(z))) and gradient (σ(z) − y)·scale`, () => {
      const z = leaf(Z);
      const { value, gradient } = valueAndGradient((x) => binaryCrossEntropyWithLogits(x, f64(Y), { reduction }), z);
      expectLoss(value, reduceRef(logitsRef(Z, Y), reduction), reduction, M, 1e-10);
      expect(gradient).toAllClose(map2(Z, Y, (z, y) => scaleOf(reduction, M) * (sig(z) - y)), { rtol: 1e-12 });
    });

    it(`"${reduction}": passes gradcheck in float64 for logits and soft labels`, () => {
      const soft = f64(probabilities(K, M, 9));
      expect(gradcheck((z, y) => binaryCrossEntropyWithLogits(z, y!, { reduction }), [f64(Z), soft]).passed).toBe(true);
    });
  }

  it("equals binaryCrossEntropy of σ(z)", () => {
    const viaSigmoid = binaryCrossEntropy(sigmoid(f64(Z)), f64(Y), { reduction: "none" });
    expect(binaryCrossEntropyWithLogits(f64(Z), f64(Y), { reduction: "none" }).data).toAllClose(viaSigmoid.data, { rtol: 1e-12 });
  });

  for (const dtype of ["float64", "float32"] as const) {
    it(`logits of ±1e4 (${dtype}): exact limits for value and gradient`, () => {
      const z = leaf([[1e4, 1e4, -1e4, -1e4]], dtype);
      const y = tensor([[0, 1, 0, 1]], { dtype });
      const none = binaryCrossEntropyWithLogits(z, y, { reduction: "none" });
      expect(none.dtype).toBe(dtype);
      expect(none.data).toAllClose([[1e4, 0, 0, 1e4]], { rtol: 0, atol: 0 });
      const loss = binaryCrossEntropyWithLogits(z, y);
      expect(loss.item()).toBe(5000);
      loss.backward();
      expect(z.grad).toAllClose([[0.25, 0, 0, -0.25]], { rtol: 0, atol: 0 });
    });
  }

  it("a single example at z = 1e4, y = 0 costs 1e4 with gradient 1/m = 1", () => {
    const z = leaf([[1e4]]);
    const loss = binaryCrossEntropyWithLogits(z, f64([[0]]));
    expect(loss.item()).toBe(1e4);
    loss.backward();
    expect(z.grad!.item()).toBe(1);
  });

  it("keeps the small loss of a confident right answer in float32 (z = 20, y = 1: log(1 + e^−20))", () => {
    const loss = binaryCrossEntropyWithLogits(tensor([[20, -20]]), tensor([[1, 0]]), { reduction: "none" });
    expect(loss.data).toAllClose([[Math.log1p(Math.exp(-20)), Math.log1p(Math.exp(-20))]], { rtol: 1e-6 });
  });

  it("labels that require gradients get −z·scale", () => {
    const z = f64(Z);
    const y = leaf(probabilities(K, M, 5));
    binaryCrossEntropyWithLogits(z, y).backward();
    expect(y.grad).toAllClose(Z.map((r) => r.map((v) => -v / M)), { rtol: 1e-12 });
  });

  it("second derivative is σ(z)(1 − σ(z))/m", () => {
    const labels = f64(Y);
    const second = grad((z: Variable) => sum(grad((q: Variable) => binaryCrossEntropyWithLogits(q, labels))(z)))(f64(Z));
    expect(second.data).toAllClose(Z.map((r) => r.map((z) => (sig(z) * (1 - sig(z))) / M)), { rtol: 1e-10 });
  });

  it("float32 logits give a float32 result close to float64, with int32 labels", () => {
    const z32 = leaf(Z, "float32");
    const { value, gradient } = valueAndGradient((x) => binaryCrossEntropyWithLogits(x, tensor(Y, { dtype: "int32" })), z32);
    expect(value.dtype).toBe("float32");
    expect(value.item()).toBeCloseTo(reduceRef(logitsRef(Z, Y), "mean") as number, 5);
    expect(gradient).toAllClose(map2(Z, Y, (z, y) => (sig(z) - y) / M), { rtol: 1e-5, atol: 1e-7 });
  });
});

// ---- softmax cross-entropy ---------------------------------------------------------------------

describe("softmaxCrossEntropy", () => {
  const onehot = oneHotRef(CLASSES, K);

  for (const reduction of REDUCTIONS) {
    it(`"${reduction}": value against −Σ y log softmax(z) and gradient (softmax − onehot)·scale`, () => {
      const z = leaf(Z);
      const { value, gradient } = valueAndGradient((x) => softmaxCrossEntropy(x, tensor(CLASSES, { dtype: "int32" }), { reduction }), z);
      expectLoss(value, reduceRef(softmaxCeRef(Z, onehot), reduction), reduction, M, 1e-12);
      const s = scaleOf(reduction, M);
      expect(gradient).toAllClose(map2(softmaxRef(Z), onehot, (p, y) => s * (p - y)), { rtol: 1e-12, atol: 1e-15 });
    });

    it(`"${reduction}": passes gradcheck in float64 with class indices and with probability labels`, () => {
      const labels = tensor(CLASSES, { dtype: "int32" });
      expect(gradcheck((z) => softmaxCrossEntropy(z, labels, { reduction }), [f64(Z)]).passed).toBe(true);
      expect(gradcheck((z, y) => softmaxCrossEntropy(z, y!, { reduction }), [f64(Z), f64(SOFT)]).passed).toBe(true);
    });
  }

  it("probability labels: value against the reference and gradient (softmax − y)/m", () => {
    const z = leaf(Z);
    const { value, gradient } = valueAndGradient((x) => softmaxCrossEntropy(x, f64(SOFT)), z);
    expect(value.item()).toBeCloseTo(reduceRef(softmaxCeRef(Z, SOFT), "mean") as number, 12);
    expect(gradient).toAllClose(map2(softmaxRef(Z), SOFT, (p, y) => (p - y) / M), { rtol: 1e-12, atol: 1e-15 });
  });

  it("class indices of shape (m) and (1, m) and the one-hot matrix give identical values and gradients", () => {
    const forms = [tensor(CLASSES, { dtype: "int32" }), tensor([CLASSES], { dtype: "int32" }), f64(onehot)];
    const results = forms.map((labels) => valueAndGradient((x) => softmaxCrossEntropy(x, labels, { reduction: "none" }), leaf(Z)));
    for (const r of results.slice(1)) {
      expect(r.value.data).toAllClose(results[0]!.value.data, { rtol: 0, atol: 0 });
      expect(r.gradient).toAllClose(results[0]!.gradient, { rtol: 0, atol: 0 });
    }
  });

  for (const dtype of ["float64", "float32"] as const) {
    it(`logits of ±1e4 (${dtype}): finite value and gradient at their exact limits`, () => {
      // column 0: the right class dominates (loss 0); column 1: the right class is 2e4 below the winner
      const z = leaf([[1e4, 1e4], [-1e4, -1e4], [0, 0]], dtype);
      const loss = softmaxCrossEntropy(z, tensor([0, 1], { dtype: "int32" }), { reduction: "none" });
      expect(loss.dtype).toBe(dtype);
      expect(loss.data).toAllClose([[0, 2e4]], { rtol: 0, atol: 0 });
      sum(loss).backward();
      expect(z.grad).toAllClose([[0, 1], [0, -1], [0, 0]], { rtol: 0, atol: 0 });
    });
  }

  it("float32 logits give a float32 result close to float64; float64 one-hot labels are cast", () => {
    const z32 = leaf(Z, "float32");
    const { value, gradient } = valueAndGradient((x) => softmaxCrossEntropy(x, f64(onehot)), z32);
    expect(value.dtype).toBe("float32");
    expect(gradient.dtype).toBe("float32");
    expect(value.item()).toBeCloseTo(reduceRef(softmaxCeRef(Z, onehot), "mean") as number, 5);
    expect(gradient).toAllClose(map2(softmaxRef(Z), onehot, (p, y) => (p - y) / M), { rtol: 1e-5, atol: 1e-7 });
  });

  it("bool one-hot labels are accepted as a (k, m) matrix", () => {
    const labels = tensor(onehot.map((r) => r.map((v) => v === 1)));
    expect(softmaxCrossEntropy(f64(Z), labels).item()).toBeCloseTo(reduceRef(softmaxCeRef(Z, onehot), "mean") as number, 12);
  });

  it("probability labels that require gradients get −logSoftmax(z)/m", () => {
    const y = leaf(SOFT);
    softmaxCrossEntropy(f64(Z), y).backward();
    expect(y.grad).toAllClose(softmaxRef(Z).map((r) => r.map((p) => -Math.log(p) / M)), { rtol: 1e-12 });
  });
});

// ---- mean squared error ------------------------------------------------------------------------

describe("float32 losses at large-magnitude logits, against float64 references", () => {
  const ULP1 = 2 ** -23; // a float32 ulp at 1

  /** −log softmax(z)[label] per column, exactly, in float64 from the float32 logits. */
  function sceReference(Z: Matrix, labels: number[]): number[] {
    return labels.map((c, j) => {
      const col = Z.map((row) => row[j]!);
      const m = Math.max(...col);
      return -(col[c]! - m - Math.log(col.reduce((a, v) => a + Math.exp(v - m), 0)));
    });
  }

  it("softmaxCrossEntropy of [1e6, 1e6-1, 1e6-2] with label 0 is 0.40761 (x - logSumExp(x) gave 0.4375)", () => {
    const Z = [[1e6], [1e6 - 1], [1e6 - 2]];
    const loss = softmaxCrossEntropy(variable(Z), tensor([0], { dtype: "int32" }));
    expect(loss.dtype).toBe("float32");
    const [want] = sceReference(Z, [0]);
    expect(want).toBeCloseTo(0.4076059644443804, 15);
    expect(Math.abs(loss.item() - want!)).toBeLessThanOrEqual(2 * ULP1);
    // one-hot labels take the same path
    expect(softmaxCrossEntropy(variable(Z), tensor([[1], [0], [0]])).item()).toBe(loss.item());
  });

  it("gradients stay softmax(z) − y at large offsets, and gradcheck passes in float64 there", () => {
    const Z = leaf([[1e6, -5e5], [1e6 - 1, -5e5 + 3], [1e6 - 2, -5e5 - 1]], "float32");
    softmaxCrossEntropy(Z, tensor([0, 1], { dtype: "int32" }), { reduction: "sum" }).backward();
    const want = [[0, -1, -2], [0, 3, -1]].map((col, j) => {
      const e = col.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v, i) => v / s - (i === j ? 1 : 0));
    });
    expect(matrix(Z.grad!)).toAllClose([0, 1, 2].map((i) => [want[0]![i]!, want[1]![i]!]), { atol: 1e-6 });
    const big = randn([4, 3], { rng: rng(5), dtype: "float64" }).add(1e5);
    expect(gradcheck((z) => softmaxCrossEntropy(z, tensor([3, 0, 1], { dtype: "int32" })), [big]).passed).toBe(true);
  });

  it("binaryCrossEntropyWithLogits is exact in float32 at ±1e6 and large mixed labels", () => {
    const Z = [[1e6, -1e6, 1e6, 3e7]];
    const Y = [[1, 0, 0, 0.25]];
    const got = matrix(binaryCrossEntropyWithLogits(variable(Z), tensor(Y), { reduction: "none" }).data)[0]!;
    // softplus(z) − z·y in float64: 0, 0, 1e6, 0.75·3e7
    const want = Z[0]!.map((z, i) => Math.max(z, 0) - z * Y[0]![i]! + Math.log1p(Math.exp(-Math.abs(z))));
    expect(got).toEqual(want.map(Math.fround));
  });

  it("property: float32 softmaxCrossEntropy at offsets up to 1e7 is within a few ulps of the float64 reference", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((k) =>
          fc.tuple(
            fc.array(fc.tuple(fc.array(fc.double({ min: -20, max: 20, noNaN: true }), { minLength: k, maxLength: k }), fc.double({ min: -1e7, max: 1e7, noNaN: true }), fc.nat(k - 1)), { minLength: 1, maxLength: 4 }),
            fc.constant(k),
          ),
        ),
        ([columns, k]) => {
          const Z: Matrix = Array.from({ length: k }, (_, i) => columns.map(([spread, offset]) => Math.fround(offset + spread[i]!)));
          const labels = columns.map(([, , c]) => c);
          const per = matrix(softmaxCrossEntropy(variable(Z), tensor(labels, { dtype: "int32" }), { reduction: "none" }).data)[0]!;
          const want = sceReference(Z, labels);
          per.forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThanOrEqual(4 * ULP1 * Math.max(1, want[j]!)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("mse", () => {
  const A = normals(K, M, 6);
  const B = normals(K, M, 7);

  for (const reduction of REDUCTIONS) {
    it(`"${reduction}": value against Σ(ŷ − y)² and gradient 2(ŷ − y)·scale`, () => {
      const a = leaf(A);
      const { value, gradient } = valueAndGradient((x) => mse(x, f64(B), { reduction }), a);
      expectLoss(value, reduceRef(mseRef(A, B), reduction), reduction, M);
      expect(gradient).toAllClose(map2(A, B, (a, b) => 2 * scaleOf(reduction, M) * (a - b)), { rtol: 1e-12 });
    });

    it(`"${reduction}": passes gradcheck in float64 for prediction and target`, () => {
      expect(gradcheck((a, b) => mse(a, b!, { reduction }), [f64(A), f64(B)]).passed).toBe(true);
    });
  }

  it("one output row: the familiar mean of the squared errors", () => {
    expect(mse(f64([[1, 2, 3, 4]]), f64([[0, 0, 0, 0]])).item()).toBe(7.5);
  });

  it("float32 in, float32 out, close to float64; int32 targets are cast", () => {
    const a32 = leaf(A, "float32");
    const { value, gradient } = valueAndGradient((x) => mse(x, f64(B)), a32);
    expect(value.dtype).toBe("float32");
    expect(value.item()).toBeCloseTo(reduceRef(mseRef(A, B), "mean") as number, 5);
    expect(gradient).toAllClose(map2(A, B, (a, b) => (2 * (a - b)) / M), { rtol: 1e-5, atol: 1e-7 });
    expect(mse(tensor([[1.5, 2]]), tensor([[1, 3]], { dtype: "int32" })).item()).toBe(0.625);
  });
});

// ---- reductions and errors ---------------------------------------------------------------------

describe("reductions", () => {
  const calls: [string, (o: LossOptions) => Variable][] = [
    ["binaryCrossEntropy", (o) => binaryCrossEntropy(f64(P), f64(Y), o)],
    ["binaryCrossEntropyWithLogits", (o) => binaryCrossEntropyWithLogits(f64(Z), f64(Y), o)],
    ["softmaxCrossEntropy", (o) => softmaxCrossEntropy(f64(Z), tensor(CLASSES, { dtype: "int32" }), o)],
    ["mse", (o) => mse(f64(Z), f64(Y), o)],
  ];
  for (const [name, call] of calls) {
    it(`${name}: "none" is (1, m), "sum" their sum, "mean" sum / m; unknown reductions are rejected`, () => {
      const none = call({ reduction: "none" });
      const total = Array.from(none.data.toTypedArray()).reduce((a, b) => a + b, 0);
      expect(none.shape).toEqual([1, M]);
      expect(call({ reduction: "sum" }).item()).toBeCloseTo(total, 12);
      expect(call({}).item()).toBeCloseTo(total / M, 12);
      expect(call({}).shape).toEqual([]);
      expect(() => call({ reduction: "avg" as Reduction })).toThrow(ValueError);
      expect(() => call({ reduction: "avg" as Reduction })).toThrow(`${name}: unknown reduction "avg"; expected "mean", "sum" or "none"`);
    });
  }

  it("zero examples: the mean is rejected, the sum is 0, none is (1, 0)", () => {
    const empty = f64([[], []]);
    expect(empty.shape).toEqual([2, 0]);
    expect(() => mse(empty, empty)).toThrow(/mse: the mean over m = 0 examples is undefined/);
    expect(mse(empty, empty, { reduction: "sum" }).item()).toBe(0);
    expect(mse(empty, empty, { reduction: "none" }).shape).toEqual([1, 0]);
  });
});

describe("input checks", () => {
  const p200 = f64([Array.from({ length: 200 }, () => 0.5)]);

  it("transposed labels: a ShapeError naming the op, both shapes, the expected shape and the layout", () => {
    const yT = f64(Array.from({ length: 200 }, () => [1]));
    expect(() => binaryCrossEntropy(p200, yT)).toThrow(ShapeError);
    expect(() => binaryCrossEntropy(p200, yT)).toThrow(
      "binaryCrossEntropy: predictions are (1, 200) but labels are (200, 1); expected labels of shape (1, 200) (examples are columns)",
    );
    expect(() => binaryCrossEntropyWithLogits(p200, yT)).toThrow(
      "binaryCrossEntropyWithLogits: logits are (1, 200) but labels are (200, 1); expected labels of shape (1, 200) (examples are columns)",
    );
    expect(() => mse(p200, yT)).toThrow("mse: predictions are (1, 200) but targets are (200, 1); expected targets of shape (1, 200) (examples are columns)");
  });

  it("other shape mismatches are never broadcast, and carry no transpose hint", () => {
    const call = (): Variable => binaryCrossEntropy(f64([[0.5, 0.5, 0.5]]), f64([[1]]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow("binaryCrossEntropy: predictions are (1, 3) but labels are (1, 1); expected labels of shape (1, 3)");
    expect(call).not.toThrow(/examples are columns/);
    expect(() => mse(f64([[1, 2]]), 1)).toThrow("mse: predictions are (1, 2) but targets are (); expected targets of shape (1, 2)");
  });

  it("predictions must be 2-D and float", () => {
    expect(() => binaryCrossEntropy(f64([0.5, 0.5]), f64([1, 0]))).toThrow(ShapeError);
    expect(() => binaryCrossEntropy(f64([0.5, 0.5]), f64([1, 0]))).toThrow(
      "binaryCrossEntropy: predictions must be 2-D (k, m), one column per example, got shape (2); reshape a row of m values to (1, 2)",
    );
    expect(() => softmaxCrossEntropy(0.5, 1)).toThrow(/softmaxCrossEntropy: logits must be 2-D \(k, m\).*got shape \(\)/);
    const ints = tensor([[1, 0]], { dtype: "int32" });
    expect(() => mse(ints, ints)).toThrow(DTypeError);
    expect(() => mse(ints, ints)).toThrow("mse: predictions must be float32 or float64, got int32");
    expect(() => binaryCrossEntropyWithLogits(tensor([[true]]), f64([[1]]))).toThrow("binaryCrossEntropyWithLogits: logits must be float32 or float64, got bool");
  });

  it("BCE labels outside [0, 1]: a ValueError naming the first offending value and its index", () => {
    const p = f64([[0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]]);
    const y = f64([[1, 0, 1, 0], [0, 1, -1, 2]]);
    expect(() => binaryCrossEntropy(p, y)).toThrow(ValueError);
    expect(() => binaryCrossEntropy(p, y)).toThrow("binaryCrossEntropy: label -1 at index (1, 2) is outside [0, 1]");
    expect(() => binaryCrossEntropy(p, tensor([[0, 1, 0, 3], [0, 0, 0, 0]], { dtype: "int32" }))).toThrow("label 3 at index (0, 3) is outside [0, 1]");
    expect(() => binaryCrossEntropyWithLogits(p, y)).toThrow("binaryCrossEntropyWithLogits: label -1 at index (1, 2) is outside [0, 1]");
    expect(() => binaryCrossEntropy(p, f64([[1, 0, 1, 0], [0, NaN, 0, 0]]))).toThrow("binaryCrossEntropy: labels contain NaN at index (1, 1)");
  });

  it("BCE predictions must be probabilities, and never NaN", () => {
    expect(() => binaryCrossEntropy(f64([[0.5, 1.5]]), f64([[1, 0]]))).toThrow(ValueError);
    expect(() => binaryCrossEntropy(f64([[0.5, 1.5]]), f64([[1, 0]]))).toThrow(
      "binaryCrossEntropy: prediction 1.5 at index (0, 1) is outside [0, 1]; expected probabilities (for logits use binaryCrossEntropyWithLogits)",
    );
    expect(() => binaryCrossEntropy(f64([[0.5, NaN]]), f64([[1, 0]]))).toThrow(ValueError);
    expect(() => binaryCrossEntropy(f64([[0.5, NaN]]), f64([[1, 0]]))).toThrow("binaryCrossEntropy: predictions contain NaN at index (0, 1)");
  });

  it("the index of an offending value is the logical one in a strided view", () => {
    const y = f64([[1, 0], [0, 1], [2, 0]]).T; // (2, 3) view; the 2 sits at (0, 2)
    expect(() => binaryCrossEntropy(f64([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]), y)).toThrow("label 2 at index (0, 2)");
  });

  it("NaN or infinite logits, predictions and targets: a ValueError naming the op", () => {
    expect(() => binaryCrossEntropyWithLogits(f64([[0, NaN]]), f64([[1, 0]]))).toThrow(ValueError);
    expect(() => binaryCrossEntropyWithLogits(f64([[0, NaN]]), f64([[1, 0]]))).toThrow("binaryCrossEntropyWithLogits: logits contain NaN at index (0, 1)");
    expect(() => binaryCrossEntropyWithLogits(f64([[Infinity, 0]]), f64([[1, 0]]))).toThrow("binaryCrossEntropyWithLogits: logits contain Infinity at index (0, 0); expected finite values");
    expect(() => softmaxCrossEntropy(f64([[0, 1], [NaN, 2]]), tensor([0, 1], { dtype: "int32" }))).toThrow("softmaxCrossEntropy: logits contain NaN at index (1, 0)");
    expect(() => mse(f64([[NaN, 1]]), f64([[0, 0]]))).toThrow("mse: predictions contain NaN at index (0, 0)");
    expect(() => mse(f64([[0, 1]]), f64([[0, NaN]]))).toThrow("mse: targets contain NaN at index (0, 1)");
    expect(() => mse(f64([[0, 1]]), f64([[0, NaN]]))).toThrow(ValueError);
  });

  it("softmax class indices outside [0, k): a ValueError naming the label and its example", () => {
    const z = f64(Array.from({ length: 10 }, () => [0, 0, 0, 0, 0]));
    const call = (labels: number[]) => () => softmaxCrossEntropy(z, tensor(labels, { dtype: "int32" }));
    expect(call([0, 1, 2, 12, 4])).toThrow(ValueError);
    expect(call([0, 1, 2, 12, 4])).toThrow("softmaxCrossEntropy: label 12 of example 3 is outside [0, 10)");
    expect(call([-1, 1, 2, 3, 4])).toThrow("softmaxCrossEntropy: label -1 of example 0 is outside [0, 10)");
    expect(call([0, 1, 2, 3, 10])).toThrow("softmaxCrossEntropy: label 10 of example 4 is outside [0, 10)");
  });

  it("softmax labels whose shape fits neither form: ShapeError or DTypeError with what was expected", () => {
    const z = f64(Z); // (3, 4)
    expect(() => softmaxCrossEntropy(z, tensor([[2], [0], [1], [2]], { dtype: "int32" }))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(z, tensor([[2], [0], [1], [2]], { dtype: "int32" }))).toThrow(
      "softmaxCrossEntropy: logits are (3, 4) but int32 labels are (4, 1); expected class indices of shape (4) or (1, 4) (examples are columns)",
    );
    expect(() => softmaxCrossEntropy(z, tensor([2, 0, 1], { dtype: "int32" }))).toThrow("int32 labels are (3); expected class indices of shape (4) or (1, 4)");
    const onehotT = f64(oneHotRef(CLASSES, K)[0]!.map((_, j) => oneHotRef(CLASSES, K).map((r) => r[j]!)));
    expect(() => softmaxCrossEntropy(z, onehotT)).toThrow(
      "softmaxCrossEntropy: logits are (3, 4) but labels are (4, 3); expected one-hot or probability labels of shape (3, 4), or int32 class indices of shape (4) or (1, 4) (examples are columns)",
    );
    expect(() => softmaxCrossEntropy(z, f64(CLASSES))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(z, f64(CLASSES))).toThrow('class indices must be int32 (cast them with .cast("int32"))');
    expect(() => softmaxCrossEntropy(z, tensor(oneHotRef(CLASSES, K), { dtype: "int32" }))).toThrow(DTypeError);
    expect(() => softmaxCrossEntropy(z, tensor(oneHotRef(CLASSES, K), { dtype: "int32" }))).toThrow(
      "softmaxCrossEntropy: int32 labels are class indices of shape (4) or (1, 4), got an int32 matrix (3, 4); cast one-hot labels to float64 first",
    );
  });

  it("softmax probability labels outside [0, 1] and logits without classes are rejected", () => {
    const bad = f64([[0.5, 1], [0.7, 0], [-0.2, 0]]);
    expect(() => softmaxCrossEntropy(f64([[0, 0], [0, 0], [0, 0]]), bad)).toThrow(ValueError);
    expect(() => softmaxCrossEntropy(f64([[0, 0], [0, 0], [0, 0]]), bad)).toThrow(
      "softmaxCrossEntropy: label -0.2 at index (2, 0) is outside [0, 1]; expected one-hot or probability columns",
    );
    expect(() => softmaxCrossEntropy(tensor([], { shape: [0, 3] }), tensor([0, 0, 0], { dtype: "int32" }))).toThrow(
      "softmaxCrossEntropy: logits are (0, 3), with no class rows; expected (k, m) with k >= 1",
    );
  });
});
