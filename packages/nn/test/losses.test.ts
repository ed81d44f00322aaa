// The probability losses (binary cross-entropy, mse) and the rules every loss shares (reductions,
// input checks) against independent references: values recomputed with plain JS loops in float64
// from the textbook formulas (loss-references.ts), gradients against their closed forms and finite
// differences (gradcheck, float64), rejected inputs by error class and message.
import { describe, expect, it } from "vitest";
import { Variable, grad, gradcheck, sum } from "@strata/autograd";
import { DTypeError, ShapeError, ValueError, tensor } from "@strata/tensor";
import { bceElementwise, bceGradient, binaryCrossEntropy, binaryCrossEntropyWithLogits, mse, softmaxCrossEntropy, type LossOptions, type Reduction } from "../src/losses.js";
import { type Matrix, REDUCTIONS, f64, leaf, matrix, map2, reduceRef, scaleOf, bceRef, bceDerivRef, bceSecondRef, oneHotRef, mseRef, probabilities, normals, K, M, P, Y, Z, CLASSES, valueAndGradient, expectLoss } from "./loss-references.js";

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
