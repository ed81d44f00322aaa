// The losses that take logits (binary cross-entropy with logits, softmax cross-entropy) against
// independent float64 references (loss-references.ts), gradients against their closed forms and
// finite differences, and float32 at large-magnitude logits where only the stable forms hold.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Variable, grad, gradcheck, sigmoid, sum, variable } from "@strata/autograd";
import { randn, rng, tensor } from "@strata/tensor";
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, softmaxCrossEntropy } from "../src/losses.js";
import { type Matrix, REDUCTIONS, f64, leaf, matrix, map2, reduceRef, scaleOf, sig, logitsRef, softmaxRef, softmaxCeRef, oneHotRef, probabilities, K, M, Y, Z, SOFT, CLASSES, valueAndGradient, expectLoss } from "./loss-references.js";

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
