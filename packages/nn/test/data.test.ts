// The data helpers against plain-JS references: every example once per epoch, columns taken at
// the right indices, seeded determinism, per-row statistics and the one-hot column layout.
import { describe, expect, it } from "vitest";
import { DTypeError, ShapeError, ValueError, manualSeed, rng, tensor, type Tensor } from "@strata/tensor";
import { batches, oneHot, standardize, trainTestSplit } from "@strata/nn";
import { errorOf } from "./helpers.js";

/** X (rows, m) with X[i][j] = 100·i + j, so every column is recognisable. */
function grid(rows: number, m: number, dtype: "float32" | "float64" = "float64"): Tensor {
  return tensor(Array.from({ length: rows }, (_, i) => Array.from({ length: m }, (_, j) => 100 * i + j)), { dtype });
}

/** Column j of a 2-D nested array. */
function column(a: number[][], j: number): number[] {
  return a.map((row) => row[j]!);
}

function ints(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as ArrayLike<number>);
}

/** Checks a batch's x (and 2-D y) columns against the source columns at its indices. */
function expectColumns(b: { x: Tensor; y: Tensor; indices: Tensor }, X: Tensor, Y: Tensor): void {
  const idx = ints(b.indices);
  const xa = X.toArray() as number[][];
  expect(b.x.shape).toEqual([X.shape[0], idx.length]);
  expect(b.x.isContiguous).toBe(true);
  const bx = b.x.toArray() as number[][];
  idx.forEach((j, k) => expect(column(bx, k)).toEqual(column(xa, j)));
  if (Y.ndim === 1) {
    const ya = Y.toArray() as number[];
    expect(b.y.toArray()).toEqual(idx.map((j) => ya[j]));
  } else {
    const ya = Y.toArray() as number[][];
    const by = b.y.toArray() as number[][];
    idx.forEach((j, k) => expect(column(by, k)).toEqual(column(ya, j)));
  }
}

describe("batches", () => {
  const X = grid(3, 10);
  const Y = grid(2, 10).add(0.5);
  const labels = tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], { dtype: "int32" });

  it("splits m = 10 by 4 into 4, 4, 2 in order 0..m-1 when not shuffled", () => {
    const bs = [...batches(X, Y, 4)];
    expect(bs.map((b) => b.x.shape[1])).toEqual([4, 4, 2]);
    expect(bs.flatMap((b) => ints(b.indices))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const b of bs) expectColumns(b, X, Y);
  });

  it("drops the short last batch with dropLast, and keeps a full one", () => {
    expect([...batches(X, Y, 4, { dropLast: true })].map((b) => b.x.shape[1])).toEqual([4, 4]);
    expect([...batches(X, Y, 5, { dropLast: true })].map((b) => b.x.shape[1])).toEqual([5, 5]);
    expect([...batches(X, Y, 11, { dropLast: true })]).toHaveLength(0);
    expect([...batches(X, Y, 11)].map((b) => b.x.shape[1])).toEqual([10]);
    expect([...batches(X, Y, 1)]).toHaveLength(10);
  });

  it("covers every example exactly once per epoch when shuffled, with matching columns", () => {
    const g = rng(3);
    for (let epoch = 0; epoch < 3; epoch++) {
      const bs = [...batches(X, Y, 3, { shuffle: true, rng: g })];
      expect(bs.map((b) => b.x.shape[1])).toEqual([3, 3, 3, 1]);
      const seen = bs.flatMap((b) => ints(b.indices));
      expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const b of bs) expectColumns(b, X, Y);
    }
  });

  it("batches 1-D int32 labels", () => {
    const bs = [...batches(X, labels, 4, { shuffle: true, rng: rng(1) })];
    for (const b of bs) {
      expect(b.y.dtype).toBe("int32");
      expect(b.y.shape).toEqual([b.x.shape[1]]);
      expectColumns(b, X, labels);
    }
  });

  it("same seed, same order; another seed or another call, another order", () => {
    const order = (g: ReturnType<typeof rng>): number[] => [...batches(X, Y, 4, { shuffle: true, rng: g })].flatMap((b) => ints(b.indices));
    expect(order(rng(42))).toEqual(order(rng(42)));
    expect(order(rng(42))).not.toEqual(order(rng(43)));
    const g = rng(42);
    expect(order(g)).not.toEqual(order(g)); // a fresh permutation per call
    expect(order(rng(42))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("draws from the default stream without an rng", () => {
    manualSeed(9);
    const a = [...batches(X, Y, 4, { shuffle: true })].flatMap((b) => ints(b.indices));
    const b = [...batches(X, Y, 4, { shuffle: true, rng: rng(9) })].flatMap((b) => ints(b.indices));
    expect(a).toEqual(b);
  });

  it("takes columns of a strided (transposed) X as contiguous copies", () => {
    const Xt = grid(10, 3).T; // (3, 10) view with strides (1, 3)
    for (const b of batches(Xt, labels, 4, { shuffle: true, rng: rng(5) })) expectColumns(b, Xt, labels);
  });

  it("checks its arguments on the call, before any batch", () => {
    let e = errorOf(() => batches(tensor([1, 2, 3]), labels, 2));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe('batches: expected X of shape (n_x, m) with one column per example, got (3); pass layout: "batchFirst" for data with examples along the first axis');
    e = errorOf(() => batches(X, grid(10, 2), 2));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toContain("batches: X (3,10) has 10 examples (columns) but Y (10,2) has 2");
    expect(e.message).toContain("expected Y of shape (k, 10) or (10)");
    expect(e.message).toContain("looks like (m, k) with examples as rows: pass Y.T (examples are columns)");
    e = errorOf(() => batches(grid(10, 3), labels, 2));
    expect(e.message).toContain("X (10,3) has 3 examples (columns) but Y (10) has 10");
    expect(e.message).toContain("X looks like (m, n_x) with examples as rows: pass X.T");
    e = errorOf(() => batches(X, tensor([1, 2]), 2));
    expect(e.message).toBe("batches: X (3,10) has 10 examples (columns) but Y (2) has 2; expected Y of shape (k, 10) or (10)");
    e = errorOf(() => batches(X, tensor([[[1]]]), 2));
    expect(e.message).toBe("batches: expected Y of shape (k, 10) or (10) (one label per column of X (3,10)), got (1,1,1)");
    e = errorOf(() => batches(grid(3, 0), tensor([], { dtype: "int32" }), 2));
    expect(e.message).toBe("batches: X (3,0) has no examples; expected m >= 1 columns");
    for (const bad of [0, 2.5, -1, Number.NaN]) {
      e = errorOf(() => batches(X, Y, bad));
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toBe(`batches: batchSize must be an integer >= 1, got ${bad}`);
    }
    e = errorOf(() => batches(X, Y, 2, { shuffle: true, rng: 7 as never }));
    expect(e.message).toBe("batches: options.rng must be an Rng from rng(seed), got 7");
    e = errorOf(() => batches([[1]] as never, Y, 2));
    expect(e.message).toBe("batches: X must be a Tensor, got [object Array]");
  });
});

describe("trainTestSplit", () => {
  const X = grid(2, 10);
  const Y = grid(1, 10).add(1000);
  const labels = tensor([5, 6, 7, 8, 9, 0, 1, 2, 3, 4], { dtype: "int32" });

  it("holds out Math.round(testFraction·m) examples, disjoint and complete", () => {
    for (const [f, t] of [[0.2, 2], [0.3, 3], [0.25, 3], [0.5, 5], [0.9, 9]] as const) {
      const s = trainTestSplit(X, Y, { testFraction: f, rng: rng(2) });
      expect(s.xTest.shape).toEqual([2, t]);
      expect(s.yTest.shape).toEqual([1, t]);
      expect(s.xTrain.shape).toEqual([2, 10 - t]);
      expect(s.yTrain.shape).toEqual([1, 10 - t]);
      const all = [...ints(s.trainIndices), ...ints(s.testIndices)].sort((a, b) => a - b);
      expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expectColumns({ x: s.xTrain, y: s.yTrain, indices: s.trainIndices }, X, Y);
      expectColumns({ x: s.xTest, y: s.yTest, indices: s.testIndices }, X, Y);
    }
    expect(trainTestSplit(X, Y).xTest.shape).toEqual([2, 2]); // default 0.2
  });

  it("is deterministic with a seed and differs across seeds", () => {
    const a = trainTestSplit(X, labels, { rng: rng(11) });
    const b = trainTestSplit(X, labels, { rng: rng(11) });
    const c = trainTestSplit(X, labels, { rng: rng(12) });
    expect(ints(a.testIndices)).toEqual(ints(b.testIndices));
    expect(a.xTrain.toArray()).toEqual(b.xTrain.toArray());
    expect([...ints(a.trainIndices), ...ints(a.testIndices)]).not.toEqual([...ints(c.trainIndices), ...ints(c.testIndices)]);
    expectColumns({ x: a.xTest, y: a.yTest, indices: a.testIndices }, X, labels);
    expect(a.yTest.dtype).toBe("int32");
  });

  it("keeps the last examples for testing without shuffle", () => {
    const s = trainTestSplit(X, labels, { shuffle: false, testFraction: 0.3 });
    expect(ints(s.trainIndices)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(s.yTest.toArray()).toEqual([2, 3, 4]);
  });

  it("rejects fractions that empty either set", () => {
    let e = errorOf(() => trainTestSplit(X, Y, { testFraction: 0.04 }));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("trainTestSplit: testFraction 0.04 of m = 10 examples gives 0 test examples; expected at least 1 for testing and 1 for training");
    e = errorOf(() => trainTestSplit(X, Y, { testFraction: 0.96 }));
    expect(e.message).toBe("trainTestSplit: testFraction 0.96 of m = 10 examples gives 10 test examples; expected at least 1 for testing and 1 for training");
    e = errorOf(() => trainTestSplit(grid(2, 1), tensor([1]), { testFraction: 0.5 }));
    expect(e.message).toContain("of m = 1 examples gives 1 test examples");
    for (const bad of [0, 1, -0.1, 1.5, Number.NaN]) {
      e = errorOf(() => trainTestSplit(X, Y, { testFraction: bad }));
      expect(e.message).toBe(`trainTestSplit: testFraction must be a number in (0, 1), got ${bad}`);
    }
    e = errorOf(() => trainTestSplit(X, grid(10, 1)));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toContain("trainTestSplit: X (2,10) has 10 examples (columns) but Y (10,1) has 1");
    expect(e.message).toContain("pass Y.T (examples are columns)");
  });
});

describe("standardize", () => {
  // Rows of different scales and offsets; the last row is constant.
  const m = 40;
  const rows = [
    Array.from({ length: m }, (_, j) => Math.sin(j * 1.3) * 7 + 3),
    Array.from({ length: m }, (_, j) => ((j * 37) % 11) - 100),
    Array.from({ length: m }, () => 0.1),
  ];
  const refStats = (r: number[]): [number, number] => {
    const mu = r.reduce((a, b) => a + b, 0) / r.length;
    return [mu, Math.sqrt(r.reduce((a, b) => a + (b - mu) ** 2, 0) / r.length)];
  };

  it("gives each row mean 0 and population std 1 (float64), constant rows 0", () => {
    const X = tensor(rows, { dtype: "float64" });
    const { x, mean, std } = standardize(X);
    expect(x.dtype).toBe("float64");
    expect(mean.shape).toEqual([3, 1]);
    expect(std.shape).toEqual([3, 1]);
    const xa = x.toArray() as number[][];
    for (let i = 0; i < 2; i++) {
      const [mu, sd] = refStats(xa[i]!);
      expect(mu).toBeCloseTo(0, 12);
      expect(sd).toBeCloseTo(1, 12);
      const [m0, s0] = refStats(rows[i]!);
      expect(mean.get(i, 0)).toBeCloseTo(m0, 12);
      expect(std.get(i, 0)).toBeCloseTo(s0, 12);
    }
    expect(xa[2]).toEqual(new Array(m).fill(0));
    expect(mean.get(2, 0)).toBe(0.1);
    expect(std.get(2, 0)).toBe(0);
  });

  it("keeps float32, and a constant float32 row maps to exact zeros", () => {
    const X = tensor(rows);
    const { x, mean, std } = standardize(X);
    expect([x.dtype, mean.dtype, std.dtype]).toEqual(["float32", "float32", "float32"]);
    const xa = x.toArray() as number[][];
    expect(xa[2]!.every((v) => v === 0)).toBe(true);
    expect(xa.flat().some(Number.isNaN)).toBe(false);
    const [mu, sd] = refStats(xa[0]!);
    expect(Math.abs(mu)).toBeLessThan(1e-6);
    expect(sd).toBeCloseTo(1, 5);
  });

  it("standardizes test data with the training statistics: (X − μ) / max(σ, eps)", () => {
    const train = standardize(tensor(rows, { dtype: "float64" }));
    const test = [[1, 2, -5], [-99, -95, -100], [0.1, 0.3, 0.1]];
    const out = standardize(tensor(test, { dtype: "float64" }), { mean: train.mean, std: train.std });
    const expected = test.map((r, i) => {
      const [mu, sd] = refStats(rows[i]!);
      return r.map((v) => (v - (i === 2 ? 0.1 : mu)) / Math.max(i === 2 ? 0 : sd, 1e-8));
    });
    expect(out.x).toAllClose(expected, { rtol: 1e-12, atol: 1e-12 });
    expect(out.mean.toArray()).toEqual(train.mean.toArray());
    expect(out.std.toArray()).toEqual(train.std.toArray());
    const custom = standardize(tensor(test, { dtype: "float64" }), { mean: train.mean, std: train.std, eps: 0.5 });
    expect((custom.x.toArray() as number[][])[2]).toEqual([0, (0.3 - 0.1) / 0.5, 0]);
  });

  it("reads strided input", () => {
    const X = tensor(rows, { dtype: "float64" });
    const viaT = standardize(tensor((X.toArray() as number[][])[0]!.map((_, j) => column(X.toArray() as number[][], j)), { dtype: "float64" }).T);
    expect(viaT.x).toAllClose(standardize(X).x, { rtol: 0, atol: 0 });
  });

  it("names what is wrong", () => {
    const X = tensor(rows, { dtype: "float64" });
    let e = errorOf(() => standardize(tensor([1, 2])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe("standardize: expected X of shape (n_x, m) with one column per example, got (2)");
    e = errorOf(() => standardize(tensor([[1, 2]], { dtype: "int32" })));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toBe('standardize: X is int32; expected float32 or float64 (cast it: X.cast("float32"))');
    e = errorOf(() => standardize(X, { mean: tensor([[0], [0], [0]]) }));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("standardize: pass both options.mean and options.std (the training set's), or neither; got only mean");
    e = errorOf(() => standardize(X, { mean: tensor([0, 0, 0]), std: tensor([[1], [1], [1]]) }));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe("standardize: expected options.mean of shape (3, 1), one value per row (feature) of X, got (3)");
    e = errorOf(() => standardize(X, { mean: tensor([[0], [0], [0]]), std: tensor([[1, 1, 1]]) }));
    expect(e.message).toBe("standardize: expected options.std of shape (3, 1), one value per row (feature) of X, got (1,3)");
    e = errorOf(() => standardize(X, { mean: tensor([[0], [0], [0]]), std: tensor([[1], [-2], [1]]) }));
    expect(e.message).toBe("standardize: options.std[1] is -2; expected a finite number >= 0");
    e = errorOf(() => standardize(X, { mean: tensor([[0], [Number.NaN], [0]]), std: tensor([[1], [1], [1]]) }));
    expect(e.message).toBe("standardize: options.mean[1] is NaN; expected a finite number");
    e = errorOf(() => standardize(X, { eps: 0 }));
    expect(e.message).toBe("standardize: eps must be a finite number > 0, got 0");
    e = errorOf(() => standardize(grid(2, 0)));
    expect(e.message).toBe("standardize: X (2,0) has no examples; expected m >= 1 columns to compute the statistics");
  });
});

describe("oneHot", () => {
  const ref = (labels: number[], k: number): number[][] => Array.from({ length: k }, (_, c) => labels.map((l) => (l === c ? 1 : 0)));
  const labels = [3, 0, 1, 3, 2, 2, 0, 4, 1];

  it("puts one column per example, from (m) and (1, m) int32 labels", () => {
    const Y = oneHot(tensor(labels, { dtype: "int32" }), 5);
    expect(Y.shape).toEqual([5, 9]);
    expect(Y.dtype).toBe("float32");
    expect(Y.toArray()).toEqual(ref(labels, 5));
    expect(oneHot(tensor([labels], { dtype: "int32" }), 6).toArray()).toEqual(ref(labels, 6));
  });

  it("accepts integral float labels and other dtypes", () => {
    const Y = oneHot(tensor([labels], { dtype: "float64" }), 5, { dtype: "float64" });
    expect(Y.dtype).toBe("float64");
    expect(Y.toArray()).toEqual(ref(labels, 5));
    expect(oneHot(tensor(labels), 5, { dtype: "int32" }).toArray()).toEqual(ref(labels, 5));
    expect(oneHot(tensor(labels, { dtype: "int32" }).reshape([9, 1]).T, 5).toArray()).toEqual(ref(labels, 5)); // strided (1, m)
  });

  it("names the first bad label and its example index", () => {
    let e = errorOf(() => oneHot(tensor([0, 2, 5, 7], { dtype: "int32" }), 3));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("oneHot: label 5 of example 2 (labels (4)) is out of range; expected 0 <= label < numClasses = 3");
    e = errorOf(() => oneHot(tensor([[0, -1]]), 3));
    expect(e.message).toBe("oneHot: label -1 of example 1 (labels (1,2)) is out of range; expected 0 <= label < numClasses = 3");
    e = errorOf(() => oneHot(tensor([0, 1.5, 2]), 3));
    expect(e.message).toBe("oneHot: label 1.5 of example 1 (labels (3)) is not an integer; expected class labels in [0, 3)");
    e = errorOf(() => oneHot(tensor([1e10]), 3));
    expect(e.message).toContain("label 10000000000 of example 0 (labels (1)) is out of range");
  });

  it("rejects other shapes, bool labels and bad class counts", () => {
    let e = errorOf(() => oneHot(tensor([[0], [1]], { dtype: "int32" }), 2));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe("oneHot: expected labels of shape (m) or (1, m), one label per example, got (2,1); it looks like (m, 1) with examples as rows: pass labels.T (examples are columns), or layout: \"batchFirst\" for a (m, 2) result");
    e = errorOf(() => oneHot(tensor([[0, 1], [1, 0]], { dtype: "int32" }), 2));
    expect(e.message).toBe("oneHot: expected labels of shape (m) or (1, m), one label per example, got (2,2)");
    e = errorOf(() => oneHot(tensor([true, false]), 2));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e.message).toBe("oneHot: labels are bool; expected int32 class labels (or floats holding integers)");
    for (const bad of [0, 2.5, -1]) {
      e = errorOf(() => oneHot(tensor([0], { dtype: "int32" }), bad));
      expect(e.message).toBe(`oneHot: numClasses must be an integer >= 1, got ${bad}`);
    }
  });
});
